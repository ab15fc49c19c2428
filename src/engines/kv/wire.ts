/**
 * Vault's wire formats for KV v2: Go's RFC3339Nano timestamps and time.Duration text, and the
 * per-version metadata block shared by data reads, writes, patches and subkeys.
 */
import type { KeyMeta, VersionMeta } from "./store.js";

/**
 * Formats epoch milliseconds as Go's RFC3339Nano does: UTC, trailing zeros of the fraction dropped
 * ("2026-01-01T00:00:00.5Z", "2026-01-01T00:00:00Z"). Microsecond precision.
 */
export function formatTime(ms: number): string {
  const known = formatted.get(ms);
  if (known !== undefined) return known;
  const text = format(ms);
  // A version's times are formatted on every read of it: keep the hot ones (bounded, cleared when full).
  if (formatted.size >= 4096) formatted.clear();
  formatted.set(ms, text);
  return text;
}

const formatted = new Map<number, string>();

function format(ms: number): string {
  const micros = Math.round(ms * 1000);
  const seconds = Math.floor(micros / 1e6);
  const fraction = micros - seconds * 1e6;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const digits = fraction === 0 ? "" : `.${String(fraction).padStart(6, "0").replace(/0+$/, "")}`;
  return `${base}${digits}Z`;
}

/** Formats whole seconds as Go's time.Duration.String(): "0s", "45s", "1m30s", "720h0m0s". */
export function formatDuration(totalSeconds: number): string {
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** Vault answers an empty custom_metadata map as null. */
export function customMetadataBody(meta: KeyMeta): Record<string, string> | null {
  return Object.keys(meta.customMetadata).length === 0 ? null : { ...meta.customMetadata };
}

/** The metadata block of one version, as data reads and writes return it. */
export function versionBody(meta: KeyMeta, version: number, vm: VersionMeta): Record<string, unknown> {
  return {
    created_time: formatTime(vm.created),
    custom_metadata: customMetadataBody(meta),
    deletion_time: vm.deleted === null ? "" : formatTime(vm.deleted),
    destroyed: vm.destroyed,
    version,
  };
}
