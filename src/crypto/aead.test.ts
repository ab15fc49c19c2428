import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AEAD_VERSION, DecryptionFailed, decrypt, encrypt, termOf } from "./aead.js";

const key = new Uint8Array(randomBytes(32));
const aad = new TextEncoder().encode("secret/foo");
const plaintext = new TextEncoder().encode("s3cr3t value");

describe("aead", () => {
  it("round-trips and writes the versioned header", () => {
    const blob = encrypt(key, 7, plaintext, aad);
    expect(blob[0]).toBe(AEAD_VERSION);
    expect(termOf(blob)).toBe(7);
    expect(blob.byteLength).toBe(1 + 4 + 12 + plaintext.byteLength + 16);
    expect(Buffer.from(decrypt(key, blob, aad)).toString()).toBe("s3cr3t value");
  });

  it("uses a fresh nonce each time", () => {
    const a = encrypt(key, 1, plaintext, aad);
    const b = encrypt(key, 1, plaintext, aad);
    expect(Buffer.from(a.subarray(5, 17)).equals(Buffer.from(b.subarray(5, 17)))).toBe(false);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it("round-trips an empty plaintext", () => {
    const blob = encrypt(key, 1, new Uint8Array(0), aad);
    expect(decrypt(key, blob, aad).byteLength).toBe(0);
  });

  it("detects a flipped byte anywhere after the version", () => {
    const blob = encrypt(key, 1, plaintext, aad);
    for (let i = 5; i < blob.byteLength; i++) {
      const bad = Uint8Array.from(blob);
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      expect(() => decrypt(key, bad, aad)).toThrow(DecryptionFailed);
    }
  });

  it("rejects the wrong AAD and the wrong key", () => {
    const blob = encrypt(key, 1, plaintext, aad);
    expect(() => decrypt(key, blob, new TextEncoder().encode("secret/bar"))).toThrow(DecryptionFailed);
    expect(() => decrypt(new Uint8Array(randomBytes(32)), blob, aad)).toThrow(DecryptionFailed);
  });

  it("rejects malformed blobs and bad parameters", () => {
    expect(() => decrypt(key, new Uint8Array(10), aad)).toThrow(DecryptionFailed);
    const blob = encrypt(key, 1, plaintext, aad);
    blob[0] = 2;
    expect(() => decrypt(key, blob, aad)).toThrow(DecryptionFailed);
    expect(() => encrypt(new Uint8Array(16), 1, plaintext, aad)).toThrow(RangeError);
    expect(() => encrypt(key, -1, plaintext, aad)).toThrow(RangeError);
    expect(() => encrypt(key, 2 ** 32, plaintext, aad)).toThrow(RangeError);
  });

  it("does not put key material in error messages", () => {
    const blob = encrypt(key, 1, plaintext, aad);
    try {
      decrypt(key, blob, new Uint8Array(0));
      expect.unreachable();
    } catch (err) {
      expect(String(err)).toBe("DecryptionFailed: decryption failed");
    }
  });
});
