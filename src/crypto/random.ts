/** Random bytes and identifiers, all from the operating system's CSPRNG. */
import { randomBytes as nodeRandomBytes, randomUUID } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Largest multiple of 62 below 256: bytes at or above it are rejected, so every char is uniform. */
const REJECT_FROM = 248;

export function randomBytes(length: number): Uint8Array {
  const buf = nodeRandomBytes(length);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** `length` uniformly random base62 characters (about 5.95 bits each). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of nodeRandomBytes(length - out.length + 8)) {
      if (byte >= REJECT_FROM) continue;
      out += BASE62.charAt(byte % 62);
      if (out.length === length) break;
    }
  }
  return out;
}

/** A service token id in Vault's current shape: "hvs." + 24 base62 characters (~142 bits). */
export function newTokenId(): string {
  return `hvs.${randomBase62(24)}`;
}

/** A token accessor: 24 base62 characters, as Vault's. Not secret, but unguessable. */
export function newAccessor(): string {
  return randomBase62(24);
}

export function newUuid(): string {
  return randomUUID();
}
