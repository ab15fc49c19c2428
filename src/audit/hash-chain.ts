/**
 * The hash chain every device's entries carry (a SecretHub addition; Vault has none): `seq` counts
 * from 1, `prev_hash` is the previous entry's `hash` (64 zeros for the first), and `hash` is the
 * SHA-256 of the canonical JSON of the entry without `hash`. Editing, deleting, reordering or
 * inserting an entry breaks the chain; rewriting the whole chain is caught by the checkpoints of
 * the head stored through the barrier.
 */
import { sha256Hex } from "../crypto/hmac.js";
import { canonicalJson, type JsonObject } from "./json.js";

export const GENESIS_HASH = "0".repeat(64);

/** The last entry a device wrote (seq 0 and GENESIS_HASH before the first). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

/** A chained entry and its serialized line (without any device prefix). */
export interface ChainedEntry {
  readonly entry: JsonObject;
  readonly json: string;
  readonly seq: number;
  readonly hash: string;
}

/** SHA-256 (hex) of the canonical JSON of `entry` without its `hash` field. */
export function entryHash(entry: JsonObject): string {
  const { hash: _hash, ...rest } = entry;
  return sha256Hex(canonicalJson(rest));
}

/**
 * Appends `entry` to the chain after `head`. The line is the canonical JSON itself with `hash`
 * spliced in first, so the write path serializes each entry once.
 */
export function chainEntry(entry: JsonObject, head: ChainHead): ChainedEntry {
  const seq = head.seq + 1;
  // Keys inserted in sorted order (canonicalJson then has nothing to reorder or copy at the top), and
  // no `delete` (it would turn the object into a slow dictionary-mode object).
  const keys = Object.keys(entry).filter((k) => k !== "hash" && k !== "seq" && k !== "prev_hash");
  keys.push("prev_hash", "seq");
  keys.sort();
  const linked: JsonObject = {};
  for (const k of keys) {
    const value = k === "seq" ? seq : k === "prev_hash" ? head.hash : entry[k]!;
    // "__proto__" as a plain assignment would set the prototype instead of a property.
    if (k === "__proto__") Object.defineProperty(linked, k, { value, enumerable: true, writable: true });
    else linked[k] = value;
  }
  const body = canonicalJson(linked);
  const hash = sha256Hex(body);
  linked.hash = hash;
  const json = body === "{}" ? `{"hash":"${hash}"}` : `{"hash":"${hash}",${body.slice(1)}`;
  return { entry: linked, json, seq, hash };
}

/** The chain fields of a parsed entry, or undefined when they are missing or mistyped. */
export function chainFields(entry: JsonObject): { seq: number; prevHash: string; hash: string } | undefined {
  const { seq, prev_hash: prevHash, hash } = entry;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (typeof prevHash !== "string" || typeof hash !== "string") return undefined;
  return { seq, prevHash, hash };
}
