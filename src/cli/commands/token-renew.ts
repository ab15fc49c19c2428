import type { Command } from "commander";
import { z } from "zod";
import { boolFlag, commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { printSecret } from "../print-secret.js";

const options = commonOptions.extend({ increment: z.string().optional(), accessor: boolFlag });

/** `token renew [token] [-increment=1h]`: renew-self without a token, renew with one. */
export function registerTokenRenew(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "renew", "Renew a token's lease (default: the current token)")
    .argument("[token]", "token, or accessor with -accessor")
    .option("--increment <duration>", "requested new TTL")
    .option("--accessor", "the argument is an accessor");
  onAction(ctx, command, options, async ([target], opts) => {
    const client = await ctx.client(opts);
    const secret =
      target === undefined
        ? await client.token.renewSelf(opts.increment)
        : opts.accessor === true
          ? await client.token.renewAccessor(target, opts.increment)
          : await client.token.renew(target, opts.increment);
    return printSecret(ctx, secret, { format: ctx.format(opts), showToken: false });
  });
}
