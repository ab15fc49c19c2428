/** Hashing helpers. Comparisons of secrets go through `constantTimeEqual`, never `===`. */
import { createHmac, hash, timingSafeEqual } from "node:crypto";

export function hmacSha256Hex(key: Uint8Array | string, data: Uint8Array | string): string {
  return createHmac("sha256", key).update(data).digest("hex");
}

export function sha256Hex(data: Uint8Array | string): string {
  // One-shot `crypto.hash` (Node >= 20.12): half the cost of createHash().update().digest().
  return hash("sha256", data, "hex");
}

/**
 * Compares two strings in time independent of where they differ. Both sides are hashed first so the
 * inputs' lengths do not leak through an early length check either.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(hash("sha256", a, "buffer"), hash("sha256", b, "buffer"));
}

/**
 * Compares two digests of the same fixed length (hex or base64 of a hash or MAC) in constant time.
 * Cheaper than `constantTimeEqual`: a digest's length is public, so only differing lengths return early.
 */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  // Every character is visited whatever differs (no early exit); cheaper than two Buffer copies.
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
