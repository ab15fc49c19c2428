import type { Command } from "commander";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";

/** `operator seal`: PUT sys/seal. */
export function registerOperatorSeal(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "seal", "Seal the server");
  onAction(ctx, command, commonOptions, async (_args, opts) => {
    const client = await ctx.client(opts);
    await client.sys.seal();
    ctx.out.success("Vault is sealed.");
    return 0;
  });
}
