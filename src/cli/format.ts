import type { Secret } from "../client/vault-client.js";

/** How the vault CLI renders a value in a table: Go's %v, with "" as n/a and null as <nil>. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (value === "") return "n/a";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (Array.isArray(value)) return `[${value.map(formatInner).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return `map[${entries.map(([k, v]) => `${k}:${formatInner(v)}`).join(" ")}]`;
  }
  return JSON.stringify(value) ?? "";
}

function formatInner(value: unknown): string {
  return value === "" ? "" : formatValue(value);
}

/** Columns separated by four spaces, the last column unpadded; with a header, a dashed rule under it. */
export function formatColumns(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const all = header ? [header, header.map((h) => "-".repeat(h.length)), ...rows] : [...rows];
  const widths: number[] = [];
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("    ")
        .trimEnd(),
    )
    .join("\n");
}

/** Vault's Key/Value table. */
export function formatKeyValues(entries: readonly (readonly [string, unknown])[]): string {
  return formatColumns(
    entries.map(([key, value]) => [key, formatValue(value)]),
    ["Key", "Value"],
  );
}

/** "====== Data ======" centred over a block `width` characters wide, as vault prints section headers. */
export function padEqualSigns(header: string, width: number): string {
  let signs = width - (header.length + 2);
  if (signs <= 0) signs = 4;
  if (signs % 2 !== 0) signs += 1;
  const side = "=".repeat(signs / 2);
  return `${side} ${header} ${side}`;
}

/** A titled section: the header padded to the block's widest line, then the block. */
export function section(title: string, block: string): string {
  const width = Math.max(...block.split("\n").map((line) => line.length));
  return `${padEqualSigns(title, width)}\n${block}`;
}

/** 3600 -> "1h", 5400 -> "1h30m", 0 -> "0s" (vault's humanDuration, hours never rolled into days). */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 ? `${s}s` : ""}`;
}

/**
 * The rows vault prints for a response: lease, then auth, then data (sorted).
 * Invariant: the client token is included only when `showToken` is set.
 */
export function secretRows(secret: Secret, options: { showToken: boolean }): [string, unknown][] {
  const rows: [string, unknown][] = [];
  const lease = secret.lease_duration ?? 0;
  if (lease > 0) {
    if (secret.lease_id) {
      rows.push(["lease_id", secret.lease_id], ["lease_duration", humanDuration(lease)]);
      rows.push(["lease_renewable", secret.renewable ?? false]);
    } else {
      rows.push(["refresh_interval", humanDuration(lease)]);
    }
  }
  const auth = secret.auth;
  if (auth) {
    if (options.showToken) rows.push(["token", auth.client_token]);
    rows.push(["token_accessor", auth.accessor ?? ""]);
    rows.push(["token_duration", auth.lease_duration ? humanDuration(auth.lease_duration) : "∞"]);
    rows.push(["token_renewable", auth.renewable ?? false]);
    rows.push(
      ["token_policies", auth.token_policies ?? []],
      ["identity_policies", auth.identity_policies ?? []],
    );
    rows.push(["policies", auth.policies ?? []]);
    for (const [key, value] of Object.entries(auth.metadata ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      rows.push([`token_meta_${key}`, value]);
    }
  }
  const data = secret.data ?? {};
  for (const key of Object.keys(data).sort()) rows.push([key, data[key]]);
  return rows;
}

/** The value `-field` selects: a data key, or one of the auth rows' names. */
export function fieldOf(secret: Secret, field: string, options: { showToken: boolean }): unknown {
  const data = secret.data ?? {};
  if (Object.hasOwn(data, field)) return data[field];
  const row = secretRows({ auth: secret.auth ?? null }, options).find(([key]) => key === field);
  return row?.[1];
}

/** `-field` output: strings raw, scalars as text, structures as JSON. */
export function rawFieldText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}
