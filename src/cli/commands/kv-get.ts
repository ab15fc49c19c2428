import type { Command } from "commander";
import { z } from "zod";
import { kvApiPath, type Secret } from "../../client/vault-client.js";
import { intFlag, leaf, onAction, type CliContext } from "../context.js";
import { formatKeyValues, section } from "../format.js";
import { kvOptions, locate, pathSection } from "../kv-target.js";
import { printSecret } from "../print-secret.js";

const options = kvOptions.extend({ version: intFlag.optional(), field: z.string().optional() });
const record = z.record(z.string(), z.unknown());

/** `kv get [-version=N] [-field=K] PATH`: prints metadata and data; -field prints one raw value. */
export function registerKvGet(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "get", "Read a secret")
    .argument("<path>", "secret path")
    .option("--mount <mount>", "KV mount path")
    .option("--version <n>", "version to read (v2)")
    .option("--field <key>", "print only this key's value");
  onAction(ctx, command, options, async ([path], opts) => {
    const client = await ctx.client(opts);
    const location = await locate(client, path, opts.mount);
    const secret = await client.kv.get(location, opts.version);
    const apiPath = kvApiPath(location, "data");
    if (!secret) {
      ctx.out.error(`No value found at ${apiPath}`);
      return 2;
    }
    const format = ctx.format(opts);
    if (location.version === 1)
      return printSecret(ctx, secret, { format, field: opts.field, showToken: false });
    const inner = record.safeParse(secret.data?.["data"]);
    const metadata = record.safeParse(secret.data?.["metadata"]);
    const data = inner.success ? inner.data : null;
    if (opts.field !== undefined || format === "json") {
      const shown: Secret = opts.field !== undefined ? { ...secret, data } : secret;
      return printSecret(ctx, shown, { format, field: opts.field, showToken: false });
    }
    const blocks = [pathSection("Secret Path", apiPath)];
    if (metadata.success) blocks.push(section("Metadata", formatKeyValues(sorted(metadata.data))));
    if (data) blocks.push(section("Data", formatKeyValues(sorted(data))));
    ctx.out.print(blocks.join("\n\n"));
    return 0;
  });
}

function sorted(values: Record<string, unknown>): [string, unknown][] {
  return Object.entries(values).sort(([a], [b]) => a.localeCompare(b));
}
