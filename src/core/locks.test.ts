import { describe, expect, it } from "vitest";
import { LocalLocks, SharedLocks, freshReads, scopedLocks } from "./locks.js";

describe("SharedLocks", () => {
  it("takes the local lock, then the distributed one, and runs the section with fresh reads", async () => {
    const events: string[] = [];
    const distributed = async <T>(name: string, critical: () => Promise<T>): Promise<T> => {
      events.push(`lock ${name}`);
      try {
        return await critical();
      } finally {
        events.push(`unlock ${name}`);
      }
    };
    const locks = scopedLocks(new SharedLocks(new LocalLocks(), distributed), "kv/");
    expect(freshReads.getStore()).toBeUndefined();
    const inside = await locks.run("a", () => {
      events.push("run");
      return Promise.resolve(freshReads.getStore());
    });
    expect(inside).toBe(true);
    expect(events).toEqual(["lock kv/a", "run", "unlock kv/a"]);
    expect(freshReads.getStore()).toBeUndefined();
  });

  it("queues a node's own contention locally, so only one section per name asks the database", async () => {
    let held = 0;
    let maxHeld = 0;
    const distributed = async <T>(_name: string, critical: () => Promise<T>): Promise<T> => {
      held++;
      maxHeld = Math.max(maxHeld, held);
      try {
        return await critical();
      } finally {
        held--;
      }
    };
    const locks = new SharedLocks(new LocalLocks(), distributed);
    const slow = () => new Promise<void>((r) => setTimeout(r, 5));
    await Promise.all([locks.run("x", slow), locks.run("x", slow), locks.run("x", slow)]);
    expect(maxHeld).toBe(1);
    await expect(locks.run("x", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(locks.run("x", () => Promise.resolve(1))).resolves.toBe(1);
  });
});
