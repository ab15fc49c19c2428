/**
 * Audit device configuration: the entry stored (through the barrier) for each enabled device, and
 * the parsing of its string options, Vault's common ones (`hmac_accessor`, `log_raw`, `prefix`,
 * `elide_list_responses`, `format`) and SecretHub's (`checkpoint_every`, `retention_period`).
 */
import { z } from "zod";
import { BadRequest } from "../core/errors.js";

export const DEVICE_TYPES = ["file", "socket", "database"] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export const deviceEntrySchema = z.object({
  path: z.string(),
  type: z.enum(DEVICE_TYPES),
  description: z.string(),
  options: z.record(z.string(), z.string()),
  local: z.boolean(),
  uuid: z.string(),
  /** HMAC key for this device's entries. Invariant: never returned by any API. */
  salt: z.string().min(32),
});
export type DeviceEntry = z.infer<typeof deviceEntrySchema>;

export const deviceTableSchema = z.array(deviceEntrySchema);

export const checkpointSchema = z.object({
  seq: z.number().int().nonnegative(),
  hash: z.string(),
  time: z.string(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export interface CommonOptions {
  readonly hmacAccessor: boolean;
  readonly logRaw: boolean;
  readonly prefix: string;
  readonly elideListResponses: boolean;
  /** A checkpoint of the chain head is stored after this many entries (and on maintenance). */
  readonly checkpointEvery: number;
}

export const DEFAULT_CHECKPOINT_EVERY = 100;

/** Vault's sys/audit paths: no leading slash, one trailing slash. */
export function normalizeDevicePath(path: string): string {
  const p = path.replace(/^\/+/, "").replace(/\/+$/, "");
  if (p === "" || p.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new BadRequest("invalid audit device path");
  }
  return `${p}/`;
}

/** Options as Vault stores them: a map of strings, whatever JSON type the client sent. */
export function stringOptions(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new BadRequest("options must be an object");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else throw new BadRequest(`option "${k}" must be a string, number or boolean`);
  }
  return out;
}

export function boolOption(
  options: Readonly<Record<string, string>>,
  name: string,
  fallback: boolean,
): boolean {
  const raw = options[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const v = raw.trim().toLowerCase();
  if (["true", "1", "t", "yes"].includes(v)) return true;
  if (["false", "0", "f", "no"].includes(v)) return false;
  throw new BadRequest(`invalid boolean for option "${name}"`);
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Go-style durations ("2s", "720h", "1h30m", "30d") or plain seconds, to whole seconds. */
export function durationOption(
  options: Readonly<Record<string, string>>,
  name: string,
  fallbackSeconds: number,
): number {
  const raw = options[name]?.trim();
  if (raw === undefined || raw === "") return fallbackSeconds;
  if (/^\d+$/.test(raw)) return Number(raw);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    total += Number(m[1]) * (UNIT_SECONDS[m[2] ?? "s"] ?? 1);
    consumed = re.lastIndex;
  }
  if (consumed !== raw.length) throw new BadRequest(`invalid duration for option "${name}"`);
  return total;
}

export function intOption(
  options: Readonly<Record<string, string>>,
  name: string,
  fallback: number,
  min: number,
): number {
  const raw = options[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new BadRequest(`option "${name}" must be an integer >= ${min}`);
  return n;
}

export function commonOptions(options: Readonly<Record<string, string>>): CommonOptions {
  const format = options.format ?? "json";
  if (format !== "json") throw new BadRequest(`unsupported audit format "${format}": only "json"`);
  return {
    hmacAccessor: boolOption(options, "hmac_accessor", true),
    logRaw: boolOption(options, "log_raw", false),
    prefix: options.prefix ?? "",
    elideListResponses: boolOption(options, "elide_list_responses", false),
    checkpointEvery: intOption(options, "checkpoint_every", DEFAULT_CHECKPOINT_EVERY, 1),
  };
}
