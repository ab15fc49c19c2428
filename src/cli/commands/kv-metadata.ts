import type { Command } from "commander";
import { z } from "zod";
import { kvApiPath } from "../../client/vault-client.js";
import { boolFlag, collect, intFlag, leaf, onAction, type CliContext } from "../context.js";
import { parseDataArgs } from "../data-args.js";
import { formatKeyValues, section } from "../format.js";
import { kvOptions, locate, pathSection } from "../kv-target.js";

const putOptions = kvOptions.extend({
  maxVersions: intFlag.optional(),
  casRequired: boolFlag,
  deleteVersionAfter: z.string().optional(),
  customMetadata: z.array(z.string()).optional(),
});
const versionsSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

/** `kv metadata get|put|delete PATH` (KV v2). */
export function registerKvMetadata(parent: Command, ctx: CliContext): void {
  const group = parent.command("metadata").description("Read and write KV v2 metadata");

  const get = leaf(group, "get", "Read a secret's metadata and versions")
    .argument("<path>", "secret path")
    .option("--mount <mount>", "KV mount path");
  onAction(ctx, get, kvOptions, async ([path], opts) => {
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    const secret = await client.kv.readMetadata(location);
    const apiPath = kvApiPath(location, "metadata");
    if (!secret?.data) {
      ctx.out.error(`No value found at ${apiPath}`);
      return 2;
    }
    if (ctx.format(opts) === "json") {
      ctx.out.json(secret);
      return 0;
    }
    const { versions, ...rest } = secret.data;
    const blocks = [pathSection("Metadata Path", apiPath)];
    blocks.push(
      section("Metadata", formatKeyValues(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)))),
    );
    const parsed = versionsSchema.safeParse(versions ?? {});
    const entries = parsed.success ? Object.entries(parsed.data) : [];
    for (const [version, info] of entries.sort(([a], [b]) => Number(b) - Number(a))) {
      const rows = Object.entries(info).sort(([a], [b]) => a.localeCompare(b));
      blocks.push(section(`Version ${version}`, formatKeyValues(rows)));
    }
    ctx.out.print(blocks.join("\n\n"));
    return 0;
  });

  const put = leaf(group, "put", "Write a secret's metadata settings")
    .argument("<path>", "secret path")
    .option("--mount <mount>", "KV mount path")
    .option("--max-versions <n>", "versions to keep (0: the mount's setting)")
    .option("--cas-required", "require check-and-set on writes")
    .option("--no-cas-required", "do not require check-and-set")
    .option("--delete-version-after <duration>", "soft-delete versions after this long")
    .option("--custom-metadata <k=v>", "custom metadata (repeatable)", collect);
  onAction(ctx, put, putOptions, async ([path], opts) => {
    const body: Record<string, unknown> = {};
    if (opts.maxVersions !== undefined) body["max_versions"] = opts.maxVersions;
    if (opts.casRequired !== undefined) body["cas_required"] = opts.casRequired;
    if (opts.deleteVersionAfter !== undefined) body["delete_version_after"] = opts.deleteVersionAfter;
    if (opts.customMetadata) body["custom_metadata"] = await parseDataArgs(opts.customMetadata, ctx);
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    await client.kv.writeMetadata(location, body);
    ctx.out.success(`Data written to: ${kvApiPath(location, "metadata")}`);
    return 0;
  });

  const del = leaf(group, "delete", "Delete a secret's metadata and every version")
    .argument("<path>", "secret path")
    .option("--mount <mount>", "KV mount path");
  onAction(ctx, del, kvOptions, async ([path], opts) => {
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    await client.kv.deleteMetadata(location);
    ctx.out.success(`Data deleted (if it existed) at: ${kvApiPath(location, "metadata")}`);
    return 0;
  });
}
