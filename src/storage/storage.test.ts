import { describe, expect, it } from "vitest";
import { InvalidStorageKey, checkStorageKey, childrenOf, prefixUpperBound } from "./storage.js";

describe("childrenOf", () => {
  it("returns direct children and folders once", () => {
    expect(childrenOf("a/", ["a/x", "a/y/z", "a/y/w", "b/q", "a/"])).toEqual(["x", "y/"]);
  });
});

describe("prefixUpperBound", () => {
  it("bounds every string with the prefix, and nothing else, in code point order", () => {
    expect(prefixUpperBound("")).toBeUndefined();
    expect(prefixUpperBound("a/")).toBe("a0");
    expect(prefixUpperBound("ab")).toBe("ac");
    expect(prefixUpperBound("a\ud7ff")).toBe("a\ue000");
    expect(prefixUpperBound("a\u{10ffff}")).toBe("b");
    expect(prefixUpperBound("\u{10ffff}\u{10ffff}")).toBeUndefined();
    expect(prefixUpperBound("x\uffff")).toBe("x\u{10000}");
  });

  it("sorts above astral continuations in UTF-8 byte order", () => {
    const bound = Buffer.from(prefixUpperBound("p/")!);
    for (const k of ["p/\u{10fff0}", "p/\uffff", "p/"]) {
      expect(Buffer.compare(Buffer.from(k), bound)).toBe(-1);
    }
    expect(Buffer.compare(Buffer.from("p0"), bound)).toBe(0);
  });
});

describe("checkStorageKey", () => {
  it("rejects empty and NUL keys only", () => {
    expect(() => checkStorageKey("")).toThrow(InvalidStorageKey);
    expect(() => checkStorageKey("a\u0000")).toThrow(InvalidStorageKey);
    expect(() => checkStorageKey("a/b c")).not.toThrow();
  });
});
