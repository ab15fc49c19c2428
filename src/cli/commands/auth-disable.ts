import type { Command } from "commander";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";

/** `auth disable PATH`: DELETE sys/auth/PATH (tokens it issued are revoked). */
export function registerAuthDisable(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "disable", "Disable an auth method").argument("<path>", "mount path");
  onAction(ctx, command, commonOptions, async ([path = ""], opts) => {
    const client = await ctx.client(opts);
    const clean = path.replace(/^\/+/, "").replace(/\/+$/, "");
    await client.sys.disableAuth(clean);
    ctx.out.success(`Disabled the auth method (if it existed) at: ${clean}/`);
    return 0;
  });
}
