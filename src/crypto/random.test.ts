import { describe, expect, it } from "vitest";
import { newAccessor, newTokenId, newUuid, randomBase62, randomBytes } from "./random.js";

describe("random", () => {
  it("returns plain Uint8Arrays of the requested length", () => {
    const b = randomBytes(32);
    expect(b).toBeInstanceOf(Uint8Array);
    expect(b.byteLength).toBe(32);
  });

  it("makes base62 strings of exact length, using the whole alphabet", () => {
    const s = randomBase62(20_000);
    expect(s).toMatch(/^[0-9A-Za-z]{20000}$/);
    expect(new Set(s).size).toBe(62);
    expect(randomBase62(0)).toBe("");
  });

  it("makes Vault-shaped token ids with >= 128 bits of entropy, all distinct", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newTokenId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^hvs\.[0-9A-Za-z]{24,}$/);
      expect((id.length - 4) * Math.log2(62)).toBeGreaterThanOrEqual(128);
    }
  });

  it("makes accessors and uuids", () => {
    expect(newAccessor()).toMatch(/^[0-9A-Za-z]{24}$/);
    expect(newAccessor()).not.toBe(newAccessor());
    expect(newUuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
