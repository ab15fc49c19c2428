import { describe, expect, it } from "vitest";
import { BoundedMemo } from "./memo.js";

describe("BoundedMemo", () => {
  it("remembers short keys, never long ones, and starts over when full", () => {
    const memo = new BoundedMemo<number>(2, 3);
    expect(memo.remember("abc", 1)).toBe(1);
    expect(memo.remember("abcd", 2)).toBe(2); // returned, not kept: longer than 3
    expect(memo.get("abc")).toBe(1);
    expect(memo.get("abcd")).toBeUndefined();
    memo.remember("b", 3);
    expect([...memo.keys()].sort()).toEqual(["abc", "b"]);
    memo.remember("c", 4); // full: starts over with just this one
    expect([...memo.keys()]).toEqual(["c"]);
    memo.clear();
    expect(memo.get("c")).toBeUndefined();
  });
});
