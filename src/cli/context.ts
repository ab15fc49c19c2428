import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { z } from "zod";
import { VaultClient } from "../client/vault-client.js";
import type { DataSources } from "./data-args.js";
import { Output, type CliIo } from "./output.js";
import { readStoredToken, storeToken } from "./token-store.js";
import { UsageError } from "./usage-error.js";

const DEFAULT_ADDRESS = "http://127.0.0.1:8200";

/** Options every leaf command takes, as vault's do. */
export const commonOptions = z.object({
  address: z.string().optional(),
  namespace: z.string().optional(),
  format: z.enum(["table", "json"]).optional(),
});
export type CommonOptions = z.infer<typeof commonOptions>;

/** One invocation's state: the io, the output, stdin (readable once) and the exit code. */
export class CliContext implements DataSources {
  exitCode = 0;
  readonly out: Output;
  private stdinRead = false;

  constructor(readonly io: CliIo) {
    this.out = new Output(io);
  }

  private env(...names: string[]): string | undefined {
    for (const name of names) {
      const value = this.io.env[name];
      if (value !== undefined && value !== "") return value;
    }
    return undefined;
  }

  format(options: CommonOptions): "table" | "json" {
    if (options.format) return options.format;
    const fromEnv = this.env("SECRETHUB_FORMAT", "VAULT_FORMAT");
    if (fromEnv === undefined || fromEnv === "table") return "table";
    if (fromEnv === "json") return "json";
    throw new UsageError(`unsupported format "${fromEnv}" (use table or json)`);
  }

  /** A client for the chosen server; `token: null` sends none (login, unauthenticated sys calls). */
  async client(options: CommonOptions, token?: string | null): Promise<VaultClient> {
    const address = options.address ?? this.env("SECRETHUB_ADDR", "VAULT_ADDR") ?? DEFAULT_ADDRESS;
    const namespace = options.namespace ?? this.env("SECRETHUB_NAMESPACE", "VAULT_NAMESPACE");
    const chosen =
      token === null
        ? undefined
        : (token ?? this.env("SECRETHUB_TOKEN", "VAULT_TOKEN") ?? (await readStoredToken(this.io.homeDir)));
    return new VaultClient({ address, namespace, token: chosen, fetch: this.io.fetch });
  }

  storeToken(token: string): Promise<void> {
    return storeToken(this.io.homeDir, token);
  }

  /** stdin is a stream: the second reader would silently get nothing, so it is refused. */
  async readStdin(): Promise<string> {
    if (this.stdinRead) throw new UsageError("stdin can only be read once per command");
    this.stdinRead = true;
    return this.io.readStdin();
  }

  readFile(path: string): Promise<string> {
    return readFile(path, "utf8");
  }
}

/** A leaf command with vault's common flags. */
export function leaf(parent: Command, spec: string, description: string): Command {
  return parent
    .command(spec)
    .description(description)
    .option("--address <url>", "server address (SECRETHUB_ADDR, VAULT_ADDR)")
    .option("--namespace <ns>", "namespace (SECRETHUB_NAMESPACE, VAULT_NAMESPACE)")
    .option("--format <format>", "output format: table or json");
}

/**
 * Binds a handler: options are parsed with `schema` (a bad value is a usage error, exit 2) and the
 * handler's number becomes the exit code.
 */
export function onAction<S extends z.ZodType<object>>(
  ctx: CliContext,
  command: Command,
  schema: S,
  run: (args: string[], options: z.output<S>) => Promise<number>,
): void {
  command.action(async () => {
    const parsed = schema.safeParse(command.opts());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const flag = issue?.path.map(String).join(".") ?? "";
      throw new UsageError(`invalid value for -${kebab(flag)}: ${issue?.message ?? "invalid"}`);
    }
    ctx.exitCode = await run(command.args, parsed.data);
  });
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Commander collects a repeated flag through this. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** "5" -> 5; anything else is a usage error. */
export const intFlag = z
  .string()
  .regex(/^-?\d+$/, "must be an integer")
  .transform((v) => Number(v));

/** A commander boolean: true, false (from --no-x) or absent. */
export const boolFlag = z.boolean().optional();
