import type { Command } from "commander";
import { z } from "zod";
import type { Secret, VaultClient } from "../../client/vault-client.js";
import { boolFlag, commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { parseDataArgs } from "../data-args.js";
import { printSecret } from "../print-secret.js";
import { UsageError } from "../usage-error.js";

const options = commonOptions.extend({
  method: z.enum(["token", "userpass", "approle", "kubernetes", "jwt"]).default("token"),
  path: z.string().optional(),
  store: z.boolean().default(true),
  tokenOnly: boolFlag,
  field: z.string().optional(),
});
type LoginOptions = z.output<typeof options>;

/**
 * `login [token]` (and the legacy `auth <token>`): authenticates, stores the token in ~/.secrethub-token
 * unless -no-store, and prints the token's details. Invariant: the token itself is printed only with
 * -token-only or -field=token.
 */
export function registerLogin(parent: Command, ctx: CliContext, name = "login"): void {
  const command = leaf(parent, name, "Authenticate and store the token for later commands")
    .argument("[args...]", "a token (token method, stdin when omitted) or key=value credentials")
    .option("--method <method>", "token, userpass, approle, kubernetes or jwt", "token")
    .option("--path <mount>", "auth mount path (defaults to the method name)")
    .option("--no-store", "do not store the token")
    .option("--token-only", "print only the token")
    .option("--field <name>", "print only this field");
  onAction(ctx, command, options, async (args, opts) => {
    const client = await ctx.client(opts, null);
    const { token, secret } = await authenticate(ctx, client, args, opts);
    if (opts.store) await ctx.storeToken(token);
    if (opts.tokenOnly === true) {
      ctx.out.raw(token);
      return 0;
    }
    const format = ctx.format(opts);
    if (opts.field !== undefined)
      return printSecret(ctx, secret, { format, field: opts.field, showToken: true });
    if (format === "table") {
      ctx.out.print(
        opts.store
          ? "Success! You are now authenticated. The token is stored in ~/.secrethub-token;\nfuture commands will use it.\n"
          : "Success! You are now authenticated. The token was not stored (-no-store); use -token-only to print it.\n",
      );
    }
    return printSecret(ctx, secret, { format, showToken: false });
  });
}

async function authenticate(
  ctx: CliContext,
  client: VaultClient,
  args: string[],
  opts: LoginOptions,
): Promise<{ token: string; secret: Secret }> {
  const mount = opts.path ?? opts.method;
  switch (opts.method) {
    case "token": {
      if (args.length > 1) throw new UsageError("the token method takes one argument: the token");
      const given = args[0];
      const token = (given === undefined || given === "-" ? await ctx.readStdin() : given).trim();
      if (token === "") throw new UsageError("no token given (argument or stdin)");
      const lookup = await client.lookupWith(token);
      return { token, secret: lookupAsAuth(token, lookup) };
    }
    case "userpass": {
      const creds = await parseDataArgs(args, ctx);
      const username = stringArg(creds, "username");
      if (username === undefined) throw new UsageError("userpass login needs username=<name>");
      const password = stringArg(creds, "password") ?? (await ctx.readStdin()).replace(/\r?\n$/, "");
      const { secret, auth } = await client.login.userpass(username, password, mount);
      return { token: auth.client_token, secret };
    }
    case "approle": {
      const creds = await parseDataArgs(args, ctx);
      const roleId = stringArg(creds, "role_id");
      if (roleId === undefined) throw new UsageError("approle login needs role_id=<id>");
      const { secret, auth } = await client.login.approle(roleId, stringArg(creds, "secret_id"), mount);
      return { token: auth.client_token, secret };
    }
    case "kubernetes":
    case "jwt": {
      // `role=app jwt=@/var/run/secrets/kubernetes.io/serviceaccount/token`, as vault's own CLI takes it.
      const creds = await parseDataArgs(args, ctx);
      const jwt = stringArg(creds, "jwt")?.trim();
      if (!jwt) throw new UsageError(`${opts.method} login needs jwt=<token> (or jwt=@file)`);
      const { secret, auth } = await client.login.roleJwt(mount, stringArg(creds, "role"), jwt);
      return { token: auth.client_token, secret };
    }
  }
}

function stringArg(values: Record<string, unknown>, key: string): string | undefined {
  const value = values[key];
  return typeof value === "string" ? value : undefined;
}

const lookupData = z.looseObject({
  accessor: z.string().optional(),
  ttl: z.number().optional(),
  renewable: z.boolean().optional(),
  policies: z.array(z.string()).nullable().optional(),
  identity_policies: z.array(z.string()).nullable().optional(),
  meta: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** The token method shows lookup-self as an auth block, as vault does. */
function lookupAsAuth(token: string, lookup: Secret): Secret {
  const data = lookupData.safeParse(lookup.data ?? {});
  const info = data.success ? data.data : {};
  return {
    ...lookup,
    data: null,
    auth: {
      client_token: token,
      accessor: info.accessor ?? "",
      lease_duration: info.ttl ?? 0,
      renewable: info.renewable ?? false,
      token_policies: info.policies ?? [],
      identity_policies: info.identity_policies ?? [],
      policies: [...(info.policies ?? []), ...(info.identity_policies ?? [])],
      metadata: info.meta ?? null,
    },
  };
}
