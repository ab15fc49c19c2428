import type { Command } from "commander";
import { z } from "zod";
import type { Secret } from "../../client/vault-client.js";
import { boolFlag, commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { printSecret } from "../print-secret.js";

const options = commonOptions.extend({ accessor: boolFlag, field: z.string().optional() });

/**
 * `token lookup [token] [-accessor]`: lookup-self, lookup or lookup-accessor. Invariant: the looked-up
 * token's `id` is never printed (it reads "<redacted>" in JSON).
 */
export function registerTokenLookup(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "lookup", "Show a token's properties (default: the current token)")
    .argument("[token]", "token, or accessor with -accessor")
    .option("--accessor", "the argument is an accessor")
    .option("--field <name>", "print only this field");
  onAction(ctx, command, options, async ([target], opts) => {
    const client = await ctx.client(opts);
    const secret =
      target === undefined
        ? await client.token.lookupSelf()
        : opts.accessor === true
          ? await client.token.lookupAccessor(target)
          : await client.token.lookup(target);
    return printSecret(ctx, redactId(secret), {
      format: ctx.format(opts),
      field: opts.field,
      showToken: false,
    });
  });
}

function redactId(secret: Secret): Secret {
  if (!secret.data || !("id" in secret.data)) return secret;
  return { ...secret, data: { ...secret.data, id: "<redacted>" } };
}
