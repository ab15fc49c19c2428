import type { Command } from "commander";
import { z } from "zod";
import { kvApiPath } from "../../client/vault-client.js";
import { collect, leaf, onAction, type CliContext } from "../context.js";
import { parseVersions } from "../data-args.js";
import { kvOptions, locate } from "../kv-target.js";
import { UsageError } from "../usage-error.js";

const options = kvOptions.extend({ versions: z.array(z.string()).optional() });

/** `kv undelete|destroy -versions=N PATH` (v2): the two verbs differ only in the endpoint they call. */
function registerVersionsVerb(
  parent: Command,
  ctx: CliContext,
  verb: "undelete" | "destroy",
  summary: string,
): void {
  const command = leaf(parent, verb, summary)
    .argument("<path>", "secret path")
    .option("--mount <mount>", "KV mount path")
    .option("--versions <list>", "comma-separated versions (required)", collect);
  onAction(ctx, command, options, async ([path], opts) => {
    const versions = parseVersions(opts.versions);
    if (versions.length === 0) throw new UsageError('No versions provided, use the "-versions" flag');
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    await client.kv[verb](location, versions);
    ctx.out.success(`Data written to: ${kvApiPath(location, verb)}`);
    return 0;
  });
}

export function registerKvUndelete(parent: Command, ctx: CliContext): void {
  registerVersionsVerb(parent, ctx, "undelete", "Restore soft-deleted versions");
}

export function registerKvDestroy(parent: Command, ctx: CliContext): void {
  registerVersionsVerb(parent, ctx, "destroy", "Permanently destroy versions");
}
