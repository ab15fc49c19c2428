import type { Command } from "commander";
import { keysOf, kvApiPath } from "../../client/vault-client.js";
import { leaf, onAction, type CliContext } from "../context.js";
import { formatColumns } from "../format.js";
import { kvOptions, locate } from "../kv-target.js";

/** `kv list PATH`: LIST <mount>/metadata/<path> (v2) or <path> (v1). */
export function registerKvList(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "list", "List the keys under a path")
    .argument("<path>", "folder path")
    .option("--mount <mount>", "KV mount path");
  onAction(ctx, command, kvOptions, async ([path], opts) => {
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    const secret = await client.kv.list(location);
    const keys = keysOf(secret);
    if (!secret || keys.length === 0) {
      ctx.out.error(`No value found at ${kvApiPath(location, "metadata")}/`);
      return 2;
    }
    if (ctx.format(opts) === "json") ctx.out.json(secret);
    else printKeys(ctx, keys);
    return 0;
  });
}

/** vault's list output: a "Keys" column. */
export function printKeys(ctx: CliContext, keys: readonly string[]): void {
  ctx.out.print(
    formatColumns(
      keys.map((k) => [k]),
      ["Keys"],
    ),
  );
}
