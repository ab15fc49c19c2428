import type { Command } from "commander";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";

/** `policy delete NAME`. */
export function registerPolicyDelete(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "delete", "Delete an ACL policy").argument("<name>", "policy name");
  onAction(ctx, command, commonOptions, async ([name = ""], opts) => {
    const client = await ctx.client(opts);
    await client.sys.deletePolicy(name);
    ctx.out.success(`Deleted policy: ${name}`);
    return 0;
  });
}
