import { z } from "zod";
import { kvApiPath, type KvLocation, type Secret, type VaultClient } from "../client/vault-client.js";
import { commonOptions, type CliContext } from "./context.js";
import { formatKeyValues, section } from "./format.js";
import { UsageError } from "./usage-error.js";

/** Options shared by every `kv` verb. */
export const kvOptions = commonOptions.extend({ mount: z.string().optional() });

/** The KV secret a command names: `-mount=secret app/db` or `secret/app/db`. */
export async function locate(
  client: VaultClient,
  path: string | undefined,
  mount: string | undefined,
): Promise<KvLocation> {
  if (path === undefined || path === "") throw new UsageError("a secret path is required");
  return client.kv.locate(path, mount);
}

/** The "== Secret Path ==" block vault prints before v2 tables. */
export function pathSection(title: string, path: string): string {
  return section(title, path);
}

/** kv put / patch / rollback output: the new version's metadata (v2) or a success line (v1). */
export function printWriteResult(
  ctx: CliContext,
  location: KvLocation,
  secret: Secret | undefined,
  format: "table" | "json",
): number {
  if (format === "json") {
    if (secret) ctx.out.json(secret);
    return 0;
  }
  if (location.version === 1 || !secret?.data) {
    ctx.out.success(`Data written to: ${kvApiPath(location, "data")}`);
    return 0;
  }
  const table = formatKeyValues(Object.entries(secret.data).sort(([a], [b]) => a.localeCompare(b)));
  ctx.out.print(
    `${pathSection("Secret Path", kvApiPath(location, "data"))}\n\n${section("Metadata", table)}`,
  );
  return 0;
}
