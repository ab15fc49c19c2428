import type { Command } from "commander";
import { kvApiPath } from "../../client/vault-client.js";
import { collect, leaf, onAction, type CliContext } from "../context.js";
import { parseVersions } from "../data-args.js";
import { kvOptions, locate } from "../kv-target.js";
import { z } from "zod";

const options = kvOptions.extend({ versions: z.array(z.string()).optional() });

/** `kv delete [-versions=1,2] PATH`: soft-deletes the latest version, or the versions given. */
export function registerKvDelete(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "delete", "Soft-delete a secret's latest version (or -versions)")
    .argument("<path>", "secret path")
    .option("--mount <mount>", "KV mount path")
    .option("--versions <list>", "comma-separated versions", collect);
  onAction(ctx, command, options, async ([path], opts) => {
    const versions = parseVersions(opts.versions);
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    await client.kv.delete(location, versions);
    const shown = versions.length > 0 ? kvApiPath(location, "delete") : kvApiPath(location, "data");
    ctx.out.success(`Data deleted (if it existed) at: ${shown}`);
    return 0;
  });
}
