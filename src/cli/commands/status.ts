import type { Command } from "commander";
import type { SealStatus, VaultClient } from "../../client/vault-client.js";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { formatKeyValues } from "../format.js";

/** `status`: GET sys/seal-status (+ sys/leader). Exit 0 unsealed, 2 sealed, 1 error, as vault. */
export function registerStatus(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "status", "Print the seal status of the server");
  onAction(ctx, command, commonOptions, async (_args, opts) => {
    const client = await ctx.client(opts);
    const status = await client.sys.sealStatus();
    await printSealStatus(ctx, client, status, ctx.format(opts));
    return status.sealed ? 2 : 0;
  });
}

/** The status table vault prints after `status` and `operator unseal`. */
export async function printSealStatus(
  ctx: CliContext,
  client: VaultClient,
  status: SealStatus,
  format: "table" | "json",
): Promise<void> {
  if (format === "json") {
    ctx.out.json(status);
    return;
  }
  // Vault's layout: an auto-unseal server reports its recovery seal and recovery shares.
  const recovery = status.recovery_seal === true;
  const rows: [string, unknown][] = [
    [recovery ? "Recovery Seal Type" : "Seal Type", status.type ?? "shamir"],
    ["Initialized", status.initialized],
    ["Sealed", status.sealed],
    [recovery ? "Total Recovery Shares" : "Total Shares", status.n ?? 0],
    ["Threshold", status.t ?? 0],
  ];
  if (status.sealed) {
    rows.push(
      ["Unseal Progress", `${status.progress ?? 0}/${status.t ?? 0}`],
      ["Unseal Nonce", status.nonce ?? ""],
    );
  }
  rows.push(["Version", status.version ?? ""], ["Build Date", status.build_date ?? ""]);
  rows.push(["Storage Type", status.storage_type ?? ""]);
  if (!status.sealed) {
    if (status.cluster_name !== undefined) rows.push(["Cluster Name", status.cluster_name]);
    if (status.cluster_id !== undefined) rows.push(["Cluster ID", status.cluster_id]);
    const ha = await haEnabled(client);
    if (ha !== undefined) rows.push(["HA Enabled", ha]);
  }
  ctx.out.print(formatKeyValues(rows));
}

/** sys/leader is optional for status: a server without it still has a seal status to show. */
async function haEnabled(client: VaultClient): Promise<boolean | undefined> {
  try {
    return (await client.sys.leader()).ha_enabled;
  } catch {
    return undefined;
  }
}
