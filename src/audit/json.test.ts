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
});
