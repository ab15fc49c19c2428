import type { Command } from "commander";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";

/** `delete PATH`: DELETE any path. */
export function registerDelete(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "delete", "Delete data at any path").argument(
    "<path>",
    "API path without /v1/",
  );
  onAction(ctx, command, commonOptions, async ([path = ""], opts) => {
    const client = await ctx.client(opts);
    await client.delete(path);
    ctx.out.success(`Data deleted (if it existed) at: ${path}`);
    return 0;
  });
}
