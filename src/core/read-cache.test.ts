import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../storage/memory.js";
import { Barrier } from "./barrier.js";
import { ReadCache } from "./read-cache.js";
import { Sealed } from "./errors.js";

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
});
