import { describe, expect, it } from "vitest";
import { canonicalJson, isJsonObject, toJson } from "./json.js";

describe("toJson", () => {
  it("keeps JSON values and drops what JSON cannot hold", () => {
    expect(
      toJson({
        s: "x",
        n: 1.5,
        b: false,
        z: null,
        inf: Infinity,
        u: undefined,
        f: () => 1,
        big: 10n,
        d: new Date(Date.UTC(2026, 0, 2)),
        bad: new Date(NaN),
        bytes: new Uint8Array([1, 2, 3]),
        list: [1, undefined, "a"],
        nested: { a: { b: [true] } },
      }),
    ).toEqual({
      s: "x",
      n: 1.5,
      b: false,
      z: null,
      inf: null,
      big: "10",
      d: "2026-01-02T00:00:00.000Z",
      bad: null,
      bytes: "AQID",
      list: [1, null, "a"],
      nested: { a: { b: [true] } },
    });
    expect(toJson(Symbol("s"))).toBeNull();
  });

  it("tells objects from arrays and null", () => {
    expect(isJsonObject({})).toBe(true);
    expect(isJsonObject([])).toBe(false);
    expect(isJsonObject(null)).toBe(false);
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every depth and adds no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: "é\n" }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":"é\\n","z":1}]},"b":1}',
    );
  });

  it("is the same for any key order of equal values", () => {
    const a = JSON.parse('{"x":1,"y":{"p":true,"q":[1,2]}}') as Parameters<typeof canonicalJson>[0];
    const b = JSON.parse('{"y":{"q":[1,2],"p":true},"x":1}') as Parameters<typeof canonicalJson>[0];
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it("matches a plain reference encoder on random values, including index-like and odd keys", () => {
    // The reference: sort keys by code unit, JSON.stringify every key and leaf. Audit chains already
    // on disk were hashed with this form, so the fast path must never differ from it by a byte.
    const reference = (v: unknown): string => {
      if (v === null || typeof v !== "object") return JSON.stringify(v);
      if (Array.isArray(v)) return `[${v.map((x) => reference(x ?? null)).join(",")}]`;
      const o = v as Record<string, unknown>;
      const parts = Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => `${JSON.stringify(k)}:${reference(o[k])}`);
      return `{${parts.join(",")}}`;
    };
    const keys = [
      "a",
      "b",
      "Z",
      "é",
      "10",
      "9",
      "0",
      "01",
      "4294967294",
      "4294967295",
      "__proto__",
      "a b",
      '"q"',
      "\u2028",
      "😀",
      "",
    ];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const gen = (depth: number): unknown => {
      switch (depth > 3 ? rnd(4) : rnd(7)) {
        case 0:
          return rnd(2) === 0 ? "s\n\u0000é" : null;
        case 1:
          return rnd(1000) / 7 - 50;
        case 2:
          return rnd(2) === 0;
        case 3:
          return "x";
        case 4:
          return Array.from({ length: rnd(4) }, () => gen(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          for (let i = rnd(6); i > 0; i--) {
            Object.defineProperty(o, keys[rnd(keys.length)]!, {
              value: rnd(8) === 0 ? undefined : gen(depth + 1),
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          return o;
        }
      }
    };
    for (let i = 0; i < 3000; i++) {
      const v = gen(0) as Parameters<typeof canonicalJson>[0];
      expect(canonicalJson(v)).toBe(reference(v));
    }
    expect(canonicalJson(JSON.parse('{"__proto__":{"b":1,"a":2},"versions":{"10":1,"9":2}}'))).toBe(
      '{"__proto__":{"a":2,"b":1},"versions":{"10":1,"9":2}}',
    );
  });
});
