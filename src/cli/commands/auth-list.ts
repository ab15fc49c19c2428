import type { Command } from "commander";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { printMounts } from "./secrets-list.js";

/** `auth list`: GET sys/auth. */
export function registerAuthList(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "list", "List enabled auth methods");
  onAction(ctx, command, commonOptions, async (_args, opts) => {
    const client = await ctx.client(opts);
    printMounts(ctx, await client.sys.listAuth(), ctx.format(opts));
    return 0;
  });
}
