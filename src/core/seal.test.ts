import { describe, expect, it } from "vitest";
import { randomBytes } from "../crypto/random.js";
import { MemoryStorage } from "../storage/memory.js";
import { Barrier } from "./barrier.js";
import { BadRequest, InvalidUnsealKey } from "./errors.js";
import { ShamirSeal, parseUnsealKey } from "./seal.js";

async function setup(shares = 5, threshold = 3) {
  const storage = new MemoryStorage();
  const barrier = new Barrier(storage);
  const seal = new ShamirSeal(barrier);
  const keys = await seal.initialize({ shares, threshold });
  return { storage, barrier, seal, keys };
}

/** Every k-subset of 0..n-1. */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

describe("ShamirSeal", () => {
  it("initializes: stores the config in plaintext and leaves the barrier sealed", async () => {
    const { storage, barrier, seal, keys } = await setup();
    expect(keys).toHaveLength(5);
    expect(keys.every((k) => k.byteLength === 33)).toBe(true);
    expect(barrier.sealed).toBe(true);
    const raw = JSON.parse(Buffer.from((await storage.get("core/seal-config"))!).toString());
    expect(raw).toEqual({ type: "shamir", secret_shares: 5, secret_threshold: 3 });
    expect(await seal.status()).toEqual({
      type: "shamir",
      recoverySeal: false,
      initialized: true,
      sealed: true,
      progress: 0,
      t: 3,
      n: 5,
    });
    await expect(seal.initialize({ shares: 5, threshold: 3 })).rejects.toBeInstanceOf(BadRequest);
  });

  it("unseals with any 3 of 5 shares", async () => {
    const { barrier, seal, keys } = await setup();
    for (const idx of subsets(5, 3)) {
      expect(await seal.submit(keys[idx[0]!]!)).toEqual({ sealed: true, progress: 1, t: 3, n: 5 });
      expect(await seal.submit(keys[idx[1]!]!)).toMatchObject({ sealed: true, progress: 2 });
      expect(await seal.submit(keys[idx[2]!]!)).toEqual({ sealed: false, progress: 0, t: 3, n: 5 });
      expect(barrier.sealed).toBe(false);
      seal.sealNow();
      expect(barrier.sealed).toBe(true);
    }
  });

  it("ignores a duplicate share rather than counting it", async () => {
    const { barrier, seal, keys } = await setup();
    await seal.submit(keys[0]!);
    expect(await seal.submit(Uint8Array.from(keys[0]!))).toMatchObject({ progress: 1, sealed: true });
    await seal.submit(keys[1]!);
    expect(await seal.submit(keys[2]!)).toMatchObject({ sealed: false });
    expect(barrier.sealed).toBe(false);
  });

  it("never unseals with a wrong share, throws only InvalidUnsealKey, and resets progress", async () => {
    const { barrier, seal, keys } = await setup();
    const wrongShares = [
      randomBytes(33),
      Uint8Array.from(keys[2]!).map((b, i) => (i === 0 ? b ^ 1 : b)),
      Uint8Array.from({ length: 33 }, (_, i) => (i === 32 ? keys[0]![32]! : 0)), // same x as share 0
      randomBytes(32),
      new Uint8Array(0),
    ];
    for (const wrong of wrongShares) {
      await seal.submit(keys[0]!);
      await seal.submit(keys[1]!);
      const err: unknown = await seal.submit(wrong).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidUnsealKey);
      expect(barrier.sealed).toBe(true);
      seal.reset();
    }
    // After a failed attempt progress is back to zero and a correct set still works.
    await seal.submit(keys[0]!);
    await seal.submit(keys[1]!);
    await expect(seal.submit(randomBytes(33))).rejects.toBeInstanceOf(InvalidUnsealKey);
    expect((await seal.status()).progress).toBe(0);
    await seal.submit(keys[3]!);
    await seal.submit(keys[4]!);
    expect(await seal.submit(keys[0]!)).toMatchObject({ sealed: false });
  });

  it("reset clears progress", async () => {
    const { seal, keys } = await setup();
    await seal.submit(keys[0]!);
    await seal.submit(keys[1]!);
    expect((await seal.status()).progress).toBe(2);
    seal.reset();
    expect((await seal.status()).progress).toBe(0);
    expect(await seal.submit(keys[2]!)).toMatchObject({ progress: 1, sealed: true });
  });

  it("serializes concurrent submissions", async () => {
    const { barrier, seal, keys } = await setup();
    const results = await Promise.all([seal.submit(keys[0]!), seal.submit(keys[1]!), seal.submit(keys[2]!)]);
    expect(results.map((r) => r.progress)).toEqual([1, 2, 0]);
    expect(barrier.sealed).toBe(false);
  });

  it("with one share, the share is the unseal key", async () => {
    const { barrier, seal, keys } = await setup(1, 1);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.byteLength).toBe(32);
    expect(await seal.submit(keys[0]!)).toEqual({ sealed: false, progress: 0, t: 1, n: 1 });
    expect(barrier.sealed).toBe(false);
  });

  it("validates parameters and refuses to unseal an uninitialized barrier", async () => {
    const seal = new ShamirSeal(new Barrier(new MemoryStorage()));
    await expect(seal.initialize({ shares: 3, threshold: 1 })).rejects.toThrow(BadRequest);
    await expect(seal.initialize({ shares: 2, threshold: 3 })).rejects.toThrow(BadRequest);
    await expect(seal.initialize({ shares: 0, threshold: 0 })).rejects.toThrow(BadRequest);
    await expect(seal.submit(randomBytes(33))).rejects.toBeInstanceOf(BadRequest);
    expect(await seal.status()).toMatchObject({ initialized: false, sealed: true, t: 0, n: 0 });
  });

  it("returns progress without change when already unsealed", async () => {
    const { seal, keys } = await setup(3, 2);
    await seal.submit(keys[0]!);
    await seal.submit(keys[1]!);
    expect(await seal.submit(keys[2]!)).toEqual({ sealed: false, progress: 0, t: 2, n: 3 });
  });
});

describe("parseUnsealKey", () => {
  it("accepts hex and base64 as Vault does", () => {
    const bytes = Uint8Array.from([0, 1, 2, 250, 251, 252, 253]);
    expect(parseUnsealKey(Buffer.from(bytes).toString("hex"))).toEqual(bytes);
    expect(parseUnsealKey(Buffer.from(bytes).toString("hex").toUpperCase())).toEqual(bytes);
    expect(parseUnsealKey(Buffer.from(bytes).toString("base64"))).toEqual(bytes);
    expect(parseUnsealKey(" AAECAw== ")).toEqual(Uint8Array.from([0, 1, 2, 3]));
  });

  it("rejects anything else with BadRequest", () => {
    for (const bad of ["", "xyz!", "abc", "AAECAw=", "AAECAx==", "@@@@"]) {
      expect(() => parseUnsealKey(bad)).toThrow(BadRequest);
    }
  });
});
