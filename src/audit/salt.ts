/**
 * Per-device HMAC of sensitive values, in Vault's `hmac-sha256:<hex>` form. The salt is random per
 * device and stored through the barrier, so the log alone never reveals a value, while an operator
 * holding a candidate value can find it through `sys/audit-hash`.
 */
import { hmacSha256Hex } from "../crypto/hmac.js";
import { randomBytes } from "../crypto/random.js";
import type { Json, JsonObject } from "./json.js";

export const HMAC_PREFIX = "hmac-sha256:";

export function newSalt(): string {
  return Buffer.from(randomBytes(32)).toString("hex");
}

/** How a device renders a sensitive string: HMAC'd, or as is when the device logs raw. */
export type Hasher = (input: string) => string;

export function saltedHasher(salt: string): Hasher {
  return (input) => HMAC_PREFIX + hmacSha256Hex(salt, input);
}

export const rawHasher: Hasher = (input) => input;

/** Every string anywhere in `value` replaced by its hash; keys, numbers, booleans and null stay. */
export function hashStrings(value: Json, hash: Hasher): Json {
  if (typeof value === "string") return hash(value);
  if (Array.isArray(value)) return value.map((v) => hashStrings(v, hash));
  if (value !== null && typeof value === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = hashStrings(v, hash);
    return out;
  }
  return value;
}
