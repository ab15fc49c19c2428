/**
 * Typed request fields. Vault clients send values in many shapes (the CLI sends every value as a
 * string; JSON clients send numbers and arrays), so each type accepts all of Vault's forms:
 * durations as 3600, "3600", "1h", "1h30m", "30s"; lists as ["a","b"] or "a,b"; booleans as true or
 * "true"/"1". Values that cannot be parsed throw BadRequest naming the field.
 */
import { BadRequest } from "../core/errors.js";

export type FieldType = "string" | "int" | "bool" | "duration" | "strings" | "map" | "json";

export interface FieldSpec {
  readonly type: FieldType;
  readonly description?: string;
  readonly default?: unknown;
  readonly required?: boolean;
}

export type Fields = Readonly<Record<string, FieldSpec>>;

type TypeOf<T extends FieldType> = T extends "string"
  ? string
  : T extends "int" | "duration"
    ? number
    : T extends "bool"
      ? boolean
      : T extends "strings"
        ? string[]
        : T extends "map"
          ? Record<string, string>
          : unknown;

/** Parsed values: defined when the field has a default or is required, otherwise possibly undefined. */
export type Values<F extends Fields> = {
  -readonly [K in keyof F]: F[K] extends { default: unknown } | { required: true }
    ? TypeOf<F[K]["type"]>
    : TypeOf<F[K]["type"]> | undefined;
};

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/** Parses a Vault duration into whole seconds. */
export function parseDuration(value: unknown, field = "ttl"): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new BadRequest(`invalid duration for "${field}"`);
    return Math.floor(value);
  }
  if (typeof value !== "string") throw new BadRequest(`invalid duration for "${field}"`);
  const text = value.trim();
  if (text === "") return 0;
  if (/^\d+$/.test(text)) return Number(text);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_SECONDS[m[2] ?? "s"] ?? 1);
    consumed = re.lastIndex;
  }
  if (consumed !== text.length)
    throw new BadRequest(`invalid duration for "${field}": ${JSON.stringify(text.slice(0, 40))}`);
  return Math.floor(total);
}

function parseBool(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (["true", "1", "t", "yes"].includes(v)) return true;
    if (["false", "0", "f", "no", ""].includes(v)) return false;
  }
  throw new BadRequest(`invalid boolean for "${field}"`);
}

function parseInt_(value: unknown, field: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n)) throw new BadRequest(`invalid integer for "${field}"`);
  return n;
}

function parseStrings(value: unknown, field: string): string[] {
  if (Array.isArray(value)) {
    return value
      .map((v) => {
        if (typeof v === "string") return v.trim();
        if (typeof v === "number" || typeof v === "boolean") return String(v);
        throw new BadRequest(`invalid list for "${field}"`);
      })
      .filter((v) => v !== "");
  }
  if (typeof value === "string")
    return value
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
  throw new BadRequest(`invalid list for "${field}"`);
}

function parseMap(value: unknown, field: string): Record<string, string> {
  let v = value;
  if (typeof v === "string") {
    if (v.trim() === "") return {};
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      throw new BadRequest(`invalid map for "${field}": expected a JSON object`);
    }
  }
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new BadRequest(`invalid map for "${field}"`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "string") out[k] = x;
    else if (typeof x === "number" || typeof x === "boolean") out[k] = String(x);
    else throw new BadRequest(`invalid map for "${field}": values must be strings`);
  }
  return out;
}

export function parseField(spec: FieldSpec, value: unknown, name: string): unknown {
  switch (spec.type) {
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      throw new BadRequest(`invalid string for "${name}"`);
    case "int":
      return parseInt_(value, name);
    case "bool":
      return parseBool(value, name);
    case "duration":
      return parseDuration(value, name);
    case "strings":
      return parseStrings(value, name);
    case "map":
      return parseMap(value, name);
    case "json":
      return value;
  }
}

/** Parses every declared field of `data`; unknown keys are ignored (as Vault does, with a warning). */
/** Each spec's field list, made once (specs are module-level constants): no entries array per request. */
const fieldLists = new WeakMap<Fields, readonly (readonly [string, FieldSpec])[]>();

export function parseFields<F extends Fields>(fields: F, data: Readonly<Record<string, unknown>>): Values<F> {
  let list = fieldLists.get(fields);
  if (list === undefined) {
    list = Object.entries(fields);
    fieldLists.set(fields, list);
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of list) {
    const raw = data[name];
    if (raw === undefined || raw === null) {
      if (spec.required) throw new BadRequest(`missing required field "${name}"`);
      const d = spec.default;
      out[name] = d !== null && typeof d === "object" ? structuredClone(d) : d;
      continue;
    }
    out[name] = parseField(spec, raw, name);
  }
  return out as Values<F>;
}
