import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { chainEntry, chainFields, EMPTY_HEAD, entryHash, GENESIS_HASH } from "./hash-chain.js";
import { canonicalJson } from "./json.js";

describe("hash chain", () => {
  it("numbers entries from 1, links each to the previous hash and hashes the canonical JSON", () => {
    const first = chainEntry({ type: "request", time: "t1" }, EMPTY_HEAD);
    expect(first.seq).toBe(1);
    expect(first.entry.prev_hash).toBe(GENESIS_HASH);
    const canonical = canonicalJson({ prev_hash: GENESIS_HASH, seq: 1, time: "t1", type: "request" });
    expect(first.hash).toBe(createHash("sha256").update(canonical).digest("hex"));
    expect(JSON.parse(first.json)).toEqual(first.entry);
    const second = chainEntry({ type: "response" }, first);
    expect(second.seq).toBe(2);
    expect(second.entry.prev_hash).toBe(first.hash);
    expect(entryHash(second.entry)).toBe(second.hash);
  });

  it("reads chain fields only when well typed", () => {
    expect(chainFields({ seq: 2, prev_hash: "a", hash: "b" })).toEqual({ seq: 2, prevHash: "a", hash: "b" });
    expect(chainFields({ seq: 0, prev_hash: "a", hash: "b" })).toBeUndefined();
    expect(chainFields({ seq: 1.5, prev_hash: "a", hash: "b" })).toBeUndefined();
    expect(chainFields({ seq: 1, prev_hash: 1, hash: "b" })).toBeUndefined();
    expect(chainFields({ seq: 1, prev_hash: "a" })).toBeUndefined();
  });
});
