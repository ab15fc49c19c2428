import type { Command } from "commander";
import type { MountInfo } from "../../client/vault-client.js";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { formatColumns } from "../format.js";

/** `secrets list`: GET sys/mounts as a Path/Type/Accessor/Description table. */
export function registerSecretsList(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "list", "List enabled secrets engines");
  onAction(ctx, command, commonOptions, async (_args, opts) => {
    const client = await ctx.client(opts);
    printMounts(ctx, await client.sys.listMounts(), ctx.format(opts));
    return 0;
  });
}

/** Shared by `secrets list` and `auth list`, which print the same table. */
export function printMounts(
  ctx: CliContext,
  mounts: Record<string, MountInfo>,
  format: "table" | "json",
): void {
  if (format === "json") {
    ctx.out.json(mounts);
    return;
  }
  const rows = Object.entries(mounts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, mount]) => [path, mount.type, mount.accessor ?? "", mount.description ?? ""]);
  ctx.out.print(formatColumns(rows, ["Path", "Type", "Accessor", "Description"]));
}
