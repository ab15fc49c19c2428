import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../storage/memory.js";
import { Barrier } from "./barrier.js";
import { ReadCache } from "./read-cache.js";
import { BadRequest, Sealed } from "./errors.js";
import { checkKey } from "./view.js";

const key = new Uint8Array(32).fill(3);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("ReadCache", () => {
  it("serves copies, evicts least recently used past its limit", () => {
    const c = new ReadCache(2);
    c.fill("a", bytes("1"), c.startRead());
    c.fill("b", bytes("2"), c.startRead());
    const a = c.get("a")!;
    a.fill(0);
    expect(new TextDecoder().decode(c.get("a"))).toBe("1");
    c.fill("c", bytes("3"), c.startRead());
    expect(c.get("b")).toBeUndefined();
    expect(c.get("c")).toBeDefined();
  });

  it("never caches a read that started before a write of the same key finished", () => {
    const c = new ReadCache(10);
    const before = c.startRead();
    c.invalidate("k");
    c.fill("k", bytes("old"), before);
    expect(c.get("k")).toBeUndefined();
    const during = c.startRead();
    c.writeDone();
    c.fill("k", bytes("old-too"), during);
    expect(c.get("k")).toBeUndefined();
    c.fill("k", bytes("new"), c.startRead());
    expect(new TextDecoder().decode(c.get("k"))).toBe("new");
  });

  it("is disabled at size 0", () => {
    const c = new ReadCache(0);
    c.fill("k", bytes("v"), c.startRead());
    expect(c.get("k")).toBeUndefined();
  });
});

describe("Barrier read cache", () => {
  async function open(): Promise<{ barrier: Barrier; storage: MemoryStorage }> {
    const storage = new MemoryStorage();
    const barrier = new Barrier(storage, undefined, { cacheEntries: 100 });
    await barrier.initialize(key);
    await barrier.unseal(key);
    return { barrier, storage };
  }

  it("serves hot reads from memory and sees every write", async () => {
    const { barrier } = await open();
    const view = barrier.view("logical/x/");
    await view.write("s", { v: 1 });
    expect(await view.read("s", (r) => r)).toEqual({ v: 1 });
    expect(await view.read("s", (r) => r)).toEqual({ v: 1 });
    expect(barrier.cache.hits).toBeGreaterThan(0);
    await view.write("s", { v: 2 });
    expect(await view.read("s", (r) => r)).toEqual({ v: 2 });
    await view.delete("s");
    expect(await view.read("s", (r) => r)).toBeUndefined();
  });

  it("forgets everything on seal and refuses reads while sealed", async () => {
    const { barrier } = await open();
    const view = barrier.view("logical/x/");
    await view.write("s", { v: 1 });
    await view.read("s", (r) => r);
    barrier.seal();
    await expect(view.read("s", (r) => r)).rejects.toBeInstanceOf(Sealed);
    await barrier.unseal(key);
    const misses = barrier.cache.misses;
    expect(await view.read("s", (r) => r)).toEqual({ v: 1 });
    expect(barrier.cache.misses).toBe(misses + 1);
  });

  it("reloads a key another node changed once invalidated", async () => {
    const { barrier, storage } = await open();
    const other = new Barrier(storage);
    await other.unseal(key);
    await barrier.view("").write("k", { from: "a" });
    await barrier.view("").read("k", (r) => r);
    await other.view("").write("k", { from: "b" });
    expect(await barrier.view("").read("k", (r) => r)).toEqual({ from: "a" });
    await barrier.invalidate("k");
    expect(await barrier.view("").read("k", (r) => r)).toEqual({ from: "b" });
  });

  it("serves a frozen decoding of hot keys without parsing again, and drops it with the bytes", async () => {
    const { barrier } = await open();
    const view = barrier.view("logical/x/");
    let parses = 0;
    const parse = (raw: unknown): { v: number } => {
      parses++;
      return raw as { v: number };
    };
    await view.write("s", { v: 1, nested: { a: [1] } });
    const first = await view.read("s", parse);
    const second = await view.read("s", parse);
    expect(second).toBe(first);
    expect(parses).toBe(1);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => {
      (first as unknown as { nested: { a: number[] } }).nested.a.push(2);
    }).toThrow(TypeError);
    // Another parser never gets this one's value.
    expect(await view.read("s", (raw) => ({ other: raw }))).toEqual({ other: { v: 1, nested: { a: [1] } } });
    await view.write("s", { v: 2 });
    expect(await view.read("s", parse)).toEqual({ v: 2 });
    expect(parses).toBe(2);
  });

  it("never keeps a decoding made from bytes a concurrent write replaced", async () => {
    const { barrier, storage } = await open();
    const view = barrier.view("");
    await view.write("k", { v: 1 });
    barrier.seal();
    await barrier.unseal(key); // cold cache: the next read goes to storage
    const parse = (raw: unknown): unknown => raw;
    const slowGet = storage.get.bind(storage);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    storage.get = async (k: string) => {
      storage.get = slowGet; // only the first read is held back
      const v = await slowGet(k);
      await gate;
      return v;
    };
    const stale = view.read("k", parse);
    await view.write("k", { v: 2 });
    // A fresh read caches the new bytes while the stale read is still on its way back.
    expect(await view.read("k", (raw) => raw)).toEqual({ v: 2 });
    release();
    expect(await stale).toEqual({ v: 1 });
    expect(await view.read("k", parse)).toEqual({ v: 2 });
  });
});

describe("checkKey", () => {
  it("refuses dot segments, absolute keys and NUL, and allows dots inside names", () => {
    for (const bad of ["..", ".", "a/..", "../a", "a/./b", "/a", "a/\u0000"]) {
      expect(() => checkKey(bad)).toThrow(BadRequest);
    }
    for (const ok of ["a..b", ".hidden", "a/.x", "a/..b/c", "x.", "a/b/"])
      expect(() => checkKey(ok)).not.toThrow();
  });
});
