import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashStrings, HMAC_PREFIX, newSalt, rawHasher, saltedHasher } from "./salt.js";

describe("salted HMAC", () => {
  it("is Vault's hmac-sha256:<hex> of the input keyed by the salt", () => {
    const salt = newSalt();
    const expected = createHmac("sha256", salt).update("s3cr3t").digest("hex");
    expect(saltedHasher(salt)("s3cr3t")).toBe(`${HMAC_PREFIX}${expected}`);
  });

  it("differs per salt, and new salts are random 256-bit hex", () => {
    const a = newSalt();
    const b = newSalt();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(saltedHasher(a)("x")).not.toBe(saltedHasher(b)("x"));
  });

  it("hashes every string at any depth and leaves keys, numbers, booleans and null", () => {
    const h = saltedHasher(newSalt());
    const out = hashStrings({ password: "p", n: 3, ok: true, none: null, list: ["a", { deep: "b" }] }, h);
    expect(out).toEqual({ password: h("p"), n: 3, ok: true, none: null, list: [h("a"), { deep: h("b") }] });
    expect(hashStrings("x", rawHasher)).toBe("x");
  });
});
