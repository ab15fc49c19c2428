import type { Command } from "commander";
import { intFlag, leaf, onAction, type CliContext } from "../context.js";
import { parseDataArgs } from "../data-args.js";
import { kvOptions, locate, printWriteResult } from "../kv-target.js";
import { UsageError } from "../usage-error.js";

const options = kvOptions.extend({ cas: intFlag.optional() });

/** `kv put [-mount=M] [-cas=N] PATH k=v...`: writes a new version (v2) or replaces the secret (v1). */
export function registerKvPut(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "put", "Write a secret (replacing its data)")
    .argument("<path>", "secret path, mount included unless -mount is given")
    .argument("[data...]", "key=value, key=@file, key=- (stdin), - (JSON on stdin)")
    .option("--mount <mount>", "KV mount path")
    .option(
      "--cas <version>",
      "check-and-set: write only if the current version is this (0: only if absent)",
    );
  onAction(ctx, command, options, async ([path, ...pairs], opts) => {
    if (pairs.length === 0) throw new UsageError("Must supply data");
    const data = await parseDataArgs(pairs, ctx);
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    const secret = await client.kv.put(location, data, { cas: opts.cas });
    return printWriteResult(ctx, location, secret, ctx.format(opts));
  });
}
