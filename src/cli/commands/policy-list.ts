import type { Command } from "commander";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";

/** `policy list`: one name a line. */
export function registerPolicyList(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "list", "List ACL policies");
  onAction(ctx, command, commonOptions, async (_args, opts) => {
    const client = await ctx.client(opts);
    const names = await client.sys.listPolicies();
    if (ctx.format(opts) === "json") ctx.out.json(names);
    else if (names.length > 0) ctx.out.print(names.join("\n"));
    return 0;
  });
}
