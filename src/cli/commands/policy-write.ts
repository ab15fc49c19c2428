import type { Command } from "commander";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";

/** `policy write NAME FILE|-`: PUT sys/policies/acl/NAME with the HCL or JSON text. */
export function registerPolicyWrite(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "write", "Upload an ACL policy")
    .argument("<name>", "policy name")
    .argument("<file>", 'policy file, or "-" for stdin');
  onAction(ctx, command, commonOptions, async ([name = "", file = "-"], opts) => {
    const policy = file === "-" ? await ctx.readStdin() : await ctx.readFile(file);
    const client = await ctx.client(opts);
    await client.sys.writePolicy(name, policy);
    ctx.out.success(`Uploaded policy: ${name}`);
    return 0;
  });
}
