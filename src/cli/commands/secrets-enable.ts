import type { Command } from "commander";
import { z } from "zod";
import { boolFlag, commonOptions, intFlag, leaf, onAction, type CliContext } from "../context.js";
import { UsageError } from "../usage-error.js";

const options = commonOptions.extend({
  path: z.string().optional(),
  description: z.string().optional(),
  version: intFlag.optional(),
  defaultLeaseTtl: z.string().optional(),
  maxLeaseTtl: z.string().optional(),
  local: boolFlag,
  sealWrap: boolFlag,
});

/**
 * `secrets enable [-path=P] [-version=2] [-description=D] TYPE`: POST sys/mounts/P. As in vault, the path
 * defaults to the type and `kv-v2` is sent as is (the server reads it as kv with version 2).
 */
export function registerSecretsEnable(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "enable", "Enable a secrets engine")
    .argument("<type>", "engine type: kv, kv-v2, transit, pki, database, ...")
    .option("--path <path>", "mount path (default: the type)")
    .option("--description <text>", "human-friendly description")
    .option("--version <n>", "engine version option (kv: 1 or 2)")
    .option("--default-lease-ttl <duration>", "default lease TTL")
    .option("--max-lease-ttl <duration>", "maximum lease TTL")
    .option("--local", "mount is local to this cluster")
    .option("--seal-wrap", "seal-wrap the mount's data");
  onAction(ctx, command, options, async ([type = ""], opts) => {
    if (type.trim() === "") throw new UsageError("an engine type is required");
    const path = (opts.path ?? type).replace(/^\/+/, "").replace(/\/+$/, "");
    const config: Record<string, string> = {};
    if (opts.defaultLeaseTtl) config["default_lease_ttl"] = opts.defaultLeaseTtl;
    if (opts.maxLeaseTtl) config["max_lease_ttl"] = opts.maxLeaseTtl;
    const client = await ctx.client(opts);
    await client.sys.enableMount(path, {
      type,
      ...(opts.description !== undefined ? { description: opts.description } : {}),
      ...(Object.keys(config).length > 0 ? { config } : {}),
      ...(opts.version !== undefined ? { options: { version: String(opts.version) } } : {}),
      ...(opts.local !== undefined ? { local: opts.local } : {}),
      ...(opts.sealWrap !== undefined ? { seal_wrap: opts.sealWrap } : {}),
    });
    ctx.out.success(`Enabled the ${type} secrets engine at: ${path}/`);
    return 0;
  });
}
