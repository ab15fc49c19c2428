import { describe, expect, it } from "vitest";
import { constantTimeEqual, digestsEqual, hmacSha256Hex, sha256Hex } from "./hmac.js";

describe("hmac", () => {
  it("matches the RFC 4231 test case 2 and the SHA-256 of 'abc'", () => {
    expect(hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hmacSha256Hex(new Uint8Array([1, 2]), new Uint8Array([3]))).toMatch(/^[0-9a-f]{64}$/);
  });

  it("compares in constant time, including different lengths", () => {
    expect(constantTimeEqual("hvs.abc", "hvs.abc")).toBe(true);
    expect(constantTimeEqual("hvs.abc", "hvs.abd")).toBe(false);
    expect(constantTimeEqual("short", "much longer string")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("é", "e\u0301")).toBe(false);
  });

  it("compares digests of one length, refusing any difference including unicode look-alikes", () => {
    const d = sha256Hex("x");
    expect(digestsEqual(d, sha256Hex("x"))).toBe(true);
    expect(digestsEqual(d, sha256Hex("y"))).toBe(false);
    expect(digestsEqual(d, d.slice(1))).toBe(false);
    expect(digestsEqual("\u0101", "\u0001")).toBe(false);
    expect(digestsEqual("", "")).toBe(true);
  });
});
