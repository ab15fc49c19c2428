/**
 * cli/: the `secrethub` command, a Vault-compatible CLI that talks HTTP to a server through client/ like
 * any other client. It must never import anything but client/; all printing goes through output.ts.
 * One file per verb under commands/; this file only builds the command tree and maps errors to exit codes
 * (0 ok, 1 error, 2 usage error or "sealed"/"not found", as vault).
 */
import { Command, CommanderError } from "commander";
import { ApiError, ConnectionError, KvError, UnexpectedResponse } from "../client/vault-client.js";
import { registerAuthDisable } from "./commands/auth-disable.js";
import { registerAuthEnable } from "./commands/auth-enable.js";
import { registerAuthList } from "./commands/auth-list.js";
import { registerDelete } from "./commands/delete.js";
import { registerKvDelete } from "./commands/kv-delete.js";
import { registerKvGet } from "./commands/kv-get.js";
import { registerKvList } from "./commands/kv-list.js";
import { registerKvMetadata } from "./commands/kv-metadata.js";
import { registerKvPatch } from "./commands/kv-patch.js";
import { registerKvPut } from "./commands/kv-put.js";
import { registerKvRollback } from "./commands/kv-rollback.js";
import { registerKvDestroy, registerKvUndelete } from "./commands/kv-versions.js";
import { registerList } from "./commands/list.js";
import { registerLogin } from "./commands/login.js";
import { registerOperatorInit } from "./commands/operator-init.js";
import { registerOperatorSeal } from "./commands/operator-seal.js";
import { registerOperatorUnseal } from "./commands/operator-unseal.js";
import { registerPolicyDelete } from "./commands/policy-delete.js";
import { registerPolicyList } from "./commands/policy-list.js";
import { registerPolicyRead } from "./commands/policy-read.js";
import { registerPolicyWrite } from "./commands/policy-write.js";
import { registerRead } from "./commands/read.js";
import { registerSecretsDisable } from "./commands/secrets-disable.js";
import { registerSecretsEnable } from "./commands/secrets-enable.js";
import { registerSecretsList } from "./commands/secrets-list.js";
import { registerStatus } from "./commands/status.js";
import { registerTokenCreate } from "./commands/token-create.js";
import { registerTokenLookup } from "./commands/token-lookup.js";
import { registerTokenRenew } from "./commands/token-renew.js";
import { registerTokenRevoke } from "./commands/token-revoke.js";
import { registerWrite } from "./commands/write.js";
import { CliContext } from "./context.js";
import { normalizeArgs } from "./flags.js";
import type { CliIo } from "./output.js";
import { UsageError } from "./usage-error.js";

export type { CliIo } from "./output.js";

const AUTH_SUBCOMMANDS: ReadonlySet<string> = new Set([
  "enable",
  "disable",
  "list",
  "help",
  "-h",
  "--help",
  "-help",
]);

/** Runs one CLI invocation (argv without "node secrethub") and resolves to its exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(normalizeArgs(legacyAuth(argv)), { from: "user" });
    return ctx.exitCode;
  } catch (error) {
    return reportError(ctx, error);
  }
}

/** `vault auth <token>` (pre-0.9 login) still appears in runbooks: `auth` + anything but a subcommand is login. */
function legacyAuth(argv: readonly string[]): readonly string[] {
  const [first, second] = argv;
  if (first === "auth" && second !== undefined && !AUTH_SUBCOMMANDS.has(second))
    return ["login", ...argv.slice(1)];
  return argv;
}

function buildProgram(ctx: CliContext): Command {
  const program = new Command("secrethub")
    .description("SecretHub command-line client (Vault-compatible)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.out.stdoutRaw(text),
      writeErr: (text) => ctx.out.stderrRaw(text),
      outputError: (text, write) => write(text.replace(/^error: /, "Error: ")),
    });

  const operator = program.command("operator").description("Initialize, unseal and seal the server");
  registerOperatorInit(operator, ctx);
  registerOperatorUnseal(operator, ctx);
  registerOperatorSeal(operator, ctx);
  registerStatus(program, ctx);
  registerLogin(program, ctx);

  const kv = program.command("kv").description("Read and write KV secrets (v1 and v2)");
  for (const register of [registerKvPut, registerKvGet, registerKvPatch, registerKvList, registerKvDelete])
    register(kv, ctx);
  for (const register of [registerKvUndelete, registerKvDestroy, registerKvRollback, registerKvMetadata])
    register(kv, ctx);

  const policy = program.command("policy").description("Manage ACL policies");
  for (const register of [registerPolicyWrite, registerPolicyRead, registerPolicyList, registerPolicyDelete])
    register(policy, ctx);

  const secrets = program.command("secrets").description("Manage secrets engines");
  for (const register of [registerSecretsEnable, registerSecretsDisable, registerSecretsList])
    register(secrets, ctx);

  const auth = program
    .command("auth")
    .description("Manage auth methods (`auth <token>` logs in, as old vault)");
  for (const register of [registerAuthEnable, registerAuthDisable, registerAuthList]) register(auth, ctx);

  const token = program.command("token").description("Create, look up, renew and revoke tokens");
  for (const register of [registerTokenCreate, registerTokenLookup, registerTokenRenew, registerTokenRevoke])
    register(token, ctx);

  for (const register of [registerRead, registerWrite, registerList, registerDelete]) register(program, ctx);
  return program;
}

function reportError(ctx: CliContext, error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has already printed its message (or the help) through configureOutput.
    return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? 0 : 2;
  }
  if (error instanceof UsageError) {
    ctx.out.error(error.message);
    return 2;
  }
  if (error instanceof ApiError) {
    ctx.out.error(`${error.message} (HTTP ${error.status})`);
    return 1;
  }
  if (error instanceof ConnectionError || error instanceof UnexpectedResponse || error instanceof KvError) {
    ctx.out.error(error.message);
    return 1;
  }
  ctx.out.error(error instanceof Error ? error.message : String(error));
  return 1;
}
