import type { Command } from "commander";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";

/** `secrets disable PATH`: DELETE sys/mounts/PATH (its data is gone). */
export function registerSecretsDisable(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "disable", "Disable a secrets engine and delete its data").argument(
    "<path>",
    "mount path",
  );
  onAction(ctx, command, commonOptions, async ([path = ""], opts) => {
    const client = await ctx.client(opts);
    const clean = path.replace(/^\/+/, "").replace(/\/+$/, "");
    await client.sys.disableMount(clean);
    ctx.out.success(`Disabled the secrets engine (if it existed) at: ${clean}/`);
    return 0;
  });
}
