/** Hashing helpers. Comparisons of secrets go through `constantTimeEqual`, never `===`. */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export function hmacSha256Hex(key: Uint8Array | string, data: Uint8Array | string): string {
  return createHmac("sha256", key).update(data).digest("hex");
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Compares two strings in time independent of where they differ. Both sides are hashed first so the
 * inputs' lengths do not leak through an early length check either.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db);
}

/**
 * Compares two digests of the same fixed length (hex or base64 of a hash or MAC) in constant time.
 * Cheaper than `constantTimeEqual`: a digest's length is public, so only differing lengths return early.
 */
export function digestsEqual(a: string, b: string): boolean {
  const da = Buffer.from(a, "utf8");
  const db = Buffer.from(b, "utf8");
  return da.length === db.length && timingSafeEqual(da, db);
}
