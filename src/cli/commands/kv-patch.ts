import type { Command } from "commander";
import { intFlag, leaf, onAction, type CliContext } from "../context.js";
import { parseDataArgs } from "../data-args.js";
import { kvOptions, locate, printWriteResult } from "../kv-target.js";
import { UsageError } from "../usage-error.js";

const options = kvOptions.extend({ cas: intFlag.optional() });

/** `kv patch PATH k=v...`: merges into the latest version (KV v2, HTTP PATCH with merge-patch+json). */
export function registerKvPatch(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "patch", "Update some keys of a secret, keeping the others")
    .argument("<path>", "secret path")
    .argument("[data...]", "key=value, key=@file, key=-")
    .option("--mount <mount>", "KV mount path")
    .option("--cas <version>", "check-and-set version");
  onAction(ctx, command, options, async ([path, ...pairs], opts) => {
    if (pairs.length === 0) throw new UsageError("Must supply data");
    const data = await parseDataArgs(pairs, ctx);
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    const secret = await client.kv.patch(location, data, { cas: opts.cas });
    return printWriteResult(ctx, location, secret, ctx.format(opts));
  });
}
