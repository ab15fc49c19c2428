import type { Command } from "commander";
import { z } from "zod";
import { boolFlag, commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { UsageError } from "../usage-error.js";

const options = commonOptions.extend({
  accessor: boolFlag,
  self: boolFlag,
  mode: z.enum(["", "orphan", "path"]).optional(),
});

/** `token revoke [token] [-accessor] [-self] [-mode=orphan]`. */
export function registerTokenRevoke(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "revoke", "Revoke a token and (unless -mode=orphan) its children")
    .argument("[token]", "token, or accessor with -accessor")
    .option("--accessor", "the argument is an accessor")
    .option("--self", "revoke the current token")
    .option("--mode <mode>", '"orphan" keeps the children alive');
  onAction(ctx, command, options, async ([target], opts) => {
    if (opts.self === true && target !== undefined) throw new UsageError("-self takes no token argument");
    if (opts.self !== true && target === undefined) throw new UsageError("a token (or -self) is required");
    if (opts.mode === "path")
      throw new UsageError("-mode=path is not supported; use sys/leases/revoke-prefix");
    if (opts.accessor === true && opts.mode === "orphan")
      throw new UsageError("-accessor cannot be combined with -mode=orphan");
    const client = await ctx.client(opts);
    if (opts.self === true) await client.token.revokeSelf();
    else if (target === undefined) return 2;
    else if (opts.accessor === true) await client.token.revokeAccessor(target);
    else if (opts.mode === "orphan") await client.token.revokeOrphan(target);
    else await client.token.revoke(target);
    ctx.out.success("Revoked token (if it existed)");
    return 0;
  });
}
