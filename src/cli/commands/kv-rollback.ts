import type { Command } from "commander";
import { intFlag, leaf, onAction, type CliContext } from "../context.js";
import { kvOptions, locate, printWriteResult } from "../kv-target.js";

const options = kvOptions.extend({ version: intFlag });

/** `kv rollback -version=N PATH`: writes version N's data as the newest version (check-and-set). */
export function registerKvRollback(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "rollback", "Restore an older version as the newest one")
    .argument("<path>", "secret path")
    .option("--mount <mount>", "KV mount path")
    .requiredOption("--version <n>", "the version to roll back to");
  onAction(ctx, command, options, async ([path], opts) => {
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    const secret = await client.kv.rollback(location, opts.version);
    return printWriteResult(ctx, location, secret, ctx.format(opts));
  });
}
