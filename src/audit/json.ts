/**
 * The JSON values audit entries are made of, and the canonical form the hash chain is computed over.
 * Entries are built from request data of unknown shape, so everything passes through `toJson` first.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Turns any value into plain JSON: undefined and functions vanish, bytes become base64, dates ISO. */
export function toJson(value: unknown): Json {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : toJson(v)));
  if (typeof value === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined && typeof v !== "function" && typeof v !== "symbol") out[k] = toJson(v);
    }
    return out;
  }
  return null;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, JSON.stringify's escaping and
 * number form. Two parsers that agree on the values produce the same text, so a verifier can
 * recompute a hash from any re-serialized copy of an entry.
 */
export function canonicalJson(value: Json): string {
  // Fast path: the same value with its keys in sorted order, serialized by the native JSON.stringify.
  // Objects whose keys JS cannot keep in sorted insertion order (array indexes) or cannot copy as
  // plain data ("__proto__") take the slow path.
  const sorted = sortedKeys(value);
  return sorted === UNSORTABLE ? canonicalSlow(value) : JSON.stringify(sorted);
}

const UNSORTABLE = Symbol("unsortable");
/** "0", "7", "4294967294": keys JS always enumerates first, in numeric order, whatever the insertion. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/** `value` with every object's keys inserted in code-unit order (the input itself where already so). */
function sortedKeys(value: Json): Json | typeof UNSORTABLE {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let out: Json[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i] ?? null;
      const s = sortedKeys(v);
      if (s === UNSORTABLE) return UNSORTABLE;
      if (s !== v) (out ??= value.slice())[i] = s;
    }
    return out ?? value;
  }
  const keys = Object.keys(value);
  let inOrder = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57 && ARRAY_INDEX.test(k) && Number(k) < 4294967295) return UNSORTABLE;
    if (c === 95 && k === "__proto__") return UNSORTABLE; // would set the copy's prototype
    if (i > 0 && keys[i - 1]! > k) inOrder = false;
  }
  if (!inOrder) keys.sort();
  const out: JsonObject = {};
  let changed = !inOrder;
  for (const k of keys) {
    const v = value[k];
    if (v === undefined) {
      changed = true;
      continue;
    }
    const s = sortedKeys(v);
    if (s === UNSORTABLE) return UNSORTABLE;
    if (s !== v) changed = true;
    out[k] = s;
  }
  return changed ? out : value;
}

function canonicalSlow(value: Json): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  let out: string;
  if (Array.isArray(value)) {
    out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + canonicalSlow(value[i] ?? null);
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  out = "{";
  let first = true;
  for (const k of keys) {
    const v = value[k];
    if (v === undefined) continue;
    // Plain keys (most of ours) need no escaping; anything else goes through JSON.stringify.
    out += `${first ? "" : ","}${PLAIN_KEY.test(k) ? `"${k}"` : JSON.stringify(k)}:${canonicalSlow(v)}`;
    first = false;
  }
  return `${out}}`;
}

const PLAIN_KEY = /^[A-Za-z0-9_.\-/]*$/;
