import type { Command } from "commander";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";

/** `policy read NAME`: prints the policy text (JSON: {name, policy}). */
export function registerPolicyRead(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "read", "Print an ACL policy").argument("<name>", "policy name");
  onAction(ctx, command, commonOptions, async ([name = ""], opts) => {
    const client = await ctx.client(opts);
    const policy = await client.sys.readPolicy(name);
    if (!policy) {
      ctx.out.error(`No policy named: ${name}`);
      return 2;
    }
    if (ctx.format(opts) === "json") ctx.out.json(policy);
    else ctx.out.print(policy.policy.replace(/\n$/, ""));
    return 0;
  });
}
