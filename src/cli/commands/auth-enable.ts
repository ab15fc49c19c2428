import type { Command } from "commander";
import { z } from "zod";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { UsageError } from "../usage-error.js";

const options = commonOptions.extend({ path: z.string().optional(), description: z.string().optional() });

/** `auth enable [-path=P] TYPE`: POST sys/auth/P (path defaults to the type). */
export function registerAuthEnable(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "enable", "Enable an auth method")
    .argument("<type>", "auth method type: userpass, approle, kubernetes, ...")
    .option("--path <path>", "mount path (default: the type)")
    .option("--description <text>", "human-friendly description");
  onAction(ctx, command, options, async ([type = ""], opts) => {
    if (type.trim() === "") throw new UsageError("an auth method type is required");
    const path = (opts.path ?? type).replace(/^\/+/, "").replace(/\/+$/, "");
    const client = await ctx.client(opts);
    await client.sys.enableAuth(path, {
      type,
      ...(opts.description !== undefined ? { description: opts.description } : {}),
    });
    ctx.out.success(`Enabled ${type} auth method at: ${path}/`);
    return 0;
  });
}
