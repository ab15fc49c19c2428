/**
 * crypto/ owns the primitives the core builds on: AES-256-GCM with a versioned header, the keyring,
 * Shamir split/combine (through an audited library), HMAC helpers and random identifiers.
 * It imports nothing of ours and never logs or returns key material in error messages.
 *
 * Ciphertext format (version 1):
 *   [1 byte version][4 bytes key term, big-endian][12 bytes nonce][ciphertext][16 bytes GCM tag]
 * The term tells the keyring which key decrypts the value; AAD binds the value to its context
 * (the barrier uses the full storage path), so a value moved elsewhere fails to decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export const AEAD_VERSION = 1;
export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 4 + NONCE_BYTES;
const MAX_TERM = 0xffff_ffff;

/** Decryption failed: wrong key, wrong AAD, tampering or a malformed blob. Deliberately vague. */
export class DecryptionFailed extends Error {
  constructor(options?: { cause?: unknown }) {
    super("decryption failed", options);
    this.name = "DecryptionFailed";
  }
}

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) throw new RangeError(`AES-256-GCM needs a ${KEY_BYTES}-byte key`);
}

/** Encrypts `plaintext` under `key`, recording `term` in the header. A fresh random nonce every call. */
export function encrypt(key: Uint8Array, term: number, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  checkKey(key);
  if (!Number.isInteger(term) || term < 0 || term > MAX_TERM) throw new RangeError("invalid key term");
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(HEADER_BYTES + body.byteLength + TAG_BYTES);
  const view = new DataView(out.buffer);
  view.setUint8(0, AEAD_VERSION);
  view.setUint32(1, term, false);
  out.set(nonce, 5);
  out.set(body, HEADER_BYTES);
  out.set(tag, HEADER_BYTES + body.byteLength);
  return out;
}

/** The key term recorded in a blob's header; throws DecryptionFailed for a malformed blob. */
export function termOf(blob: Uint8Array): number {
  if (blob.byteLength < HEADER_BYTES + TAG_BYTES || blob[0] !== AEAD_VERSION) {
    throw new DecryptionFailed();
  }
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(1, false);
}

/** Decrypts and authenticates a blob produced by `encrypt`; any failure is DecryptionFailed. */
export function decrypt(key: Uint8Array, blob: Uint8Array, aad: Uint8Array): Uint8Array {
  checkKey(key);
  termOf(blob);
  const nonce = blob.subarray(5, HEADER_BYTES);
  const body = blob.subarray(HEADER_BYTES, blob.byteLength - TAG_BYTES);
  const tag = blob.subarray(blob.byteLength - TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const out = Buffer.concat([decipher.update(body), decipher.final()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new DecryptionFailed({ cause: err });
  }
}
