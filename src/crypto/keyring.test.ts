import { describe, expect, it } from "vitest";
import { DecryptionFailed, termOf } from "./aead.js";
import { Keyring, KeyringParseError } from "./keyring.js";

const enc = new TextEncoder();
const aad = enc.encode("path/a");

describe("Keyring", () => {
  it("starts at term 1 and encrypts with the active term", () => {
    const kr = Keyring.generate(new Date("2026-01-01T00:00:00Z"));
    expect(kr.activeTerm).toBe(1);
    const blob = kr.encrypt(enc.encode("v1"), aad);
    expect(termOf(blob)).toBe(1);
    expect(kr.encryptions).toBe(1);
    expect(kr.activeKey().installTime.toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  it("rotates: new writes use the new term, old values still decrypt", () => {
    const kr = Keyring.generate();
    const old = kr.encrypt(enc.encode("old"), aad);
    expect(kr.rotate()).toBe(2);
    const fresh = kr.encrypt(enc.encode("new"), aad);
    expect(termOf(fresh)).toBe(2);
    expect(Buffer.from(kr.decrypt(old, aad)).toString()).toBe("old");
    expect(Buffer.from(kr.decrypt(fresh, aad)).toString()).toBe("new");
    expect(kr.termNumbers()).toEqual([1, 2]);
  });

  it("serializes and parses back to an equivalent keyring", () => {
    const kr = Keyring.generate(new Date("2026-02-03T04:05:06Z"));
    const old = kr.encrypt(enc.encode("old"), aad);
    kr.rotate(new Date("2026-03-01T00:00:00Z"));
    const back = Keyring.parse(kr.serialize());
    expect(back.activeTerm).toBe(2);
    expect(back.activeKey().installTime.toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(Buffer.from(back.decrypt(old, aad)).toString()).toBe("old");
    expect(termOf(back.encrypt(enc.encode("x"), aad))).toBe(2);
  });

  it("fails on a term it does not hold and on the wrong AAD", () => {
    const a = Keyring.generate();
    const b = Keyring.generate();
    b.rotate();
    expect(() => a.decrypt(b.encrypt(enc.encode("x"), aad), aad)).toThrow(DecryptionFailed);
    expect(() => a.decrypt(a.encrypt(enc.encode("x"), aad), enc.encode("path/b"))).toThrow(DecryptionFailed);
  });

  it("validates what it parses", () => {
    const good = JSON.parse(Buffer.from(Keyring.generate().serialize()).toString());
    const variants: unknown[] = [
      "not json{",
      { ...good, version: 2 },
      { ...good, activeTerm: 5 },
      { ...good, keys: [] },
      { ...good, keys: [{ ...good.keys[0], key: Buffer.alloc(16).toString("base64") }] },
      { ...good, keys: [good.keys[0], good.keys[0]] },
      { ...good, keys: [{ ...good.keys[0], installTime: "yesterday" }] },
    ];
    for (const v of variants) {
      const bytes = enc.encode(typeof v === "string" ? v : JSON.stringify(v));
      expect(() => Keyring.parse(bytes)).toThrow(KeyringParseError);
    }
    expect(() => Keyring.parse(new Uint8Array([0xff, 0xfe]))).toThrow(KeyringParseError);
  });

  it("zero() wipes key bytes", () => {
    const kr = Keyring.generate();
    const key = kr.activeKey().key;
    kr.zero();
    expect(key.every((b) => b === 0)).toBe(true);
    expect(() => kr.encrypt(enc.encode("x"), aad)).toThrow();
  });
});
