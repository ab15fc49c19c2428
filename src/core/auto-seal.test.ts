import { createCipheriv, createDecipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import { randomBytes } from "../crypto/random.js";
import { MemoryStorage } from "../storage/memory.js";
import { AutoSeal, SealUnavailable } from "./auto-seal.js";
import { Barrier } from "./barrier.js";
import { BadRequest, InvalidUnsealKey } from "./errors.js";
import type { KeyWrapper } from "./key-wrapper.js";
import { ShamirSeal } from "./seal.js";

/** An in-process key service: AES-256-GCM with the purpose as AAD; can be switched off. */
function keyService(): KeyWrapper & { down: boolean; calls: number } {
  const key = randomBytes(32);
  return {
    type: "testkms",
    down: false,
    calls: 0,
    wrap(plaintext, purpose) {
      this.calls++;
      if (this.down) return Promise.reject(new Error("unreachable"));
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(purpose));
      const body = Buffer.concat([c.update(plaintext), c.final()]);
      return Promise.resolve(new Uint8Array(Buffer.concat([iv, c.getAuthTag(), body])));
    },
    unwrap(blob, purpose) {
      this.calls++;
      if (this.down) return Promise.reject(new Error("unreachable"));
      const b = Buffer.from(blob);
      const d = createDecipheriv("aes-256-gcm", key, b.subarray(0, 12)).setAAD(Buffer.from(purpose));
      d.setAuthTag(b.subarray(12, 28));
      try {
        return Promise.resolve(new Uint8Array(Buffer.concat([d.update(b.subarray(28)), d.final()])));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}

async function setup(shares = 3, threshold = 2) {
  const storage = new MemoryStorage();
  const barrier = new Barrier(storage);
  const kms = keyService();
  const seal = new AutoSeal(barrier, kms);
  const keys = await seal.initialize({ shares, threshold });
  return { storage, barrier, kms, seal, keys };
}

describe("AutoSeal", () => {
  it("stores only wrapped keys and a plaintext config, and unseals through the key service", async () => {
    const { storage, barrier, seal, keys } = await setup();
    expect(keys).toHaveLength(3);
    expect(barrier.sealed).toBe(true);
    const config = JSON.parse(Buffer.from((await storage.get("core/seal-config"))!).toString());
    expect(config).toEqual({ type: "testkms", recovery_shares: 3, recovery_threshold: 2 });
    expect(await seal.status()).toEqual({
      type: "testkms",
      recoverySeal: true,
      initialized: true,
      sealed: true,
      progress: 0,
      t: 2,
      n: 3,
    });
    await seal.autoUnseal();
    expect(barrier.sealed).toBe(false);
    await seal.autoUnseal(); // already unsealed: nothing to do
    seal.sealNow();
    expect(barrier.sealed).toBe(true);
  });

  it("recovery shares unseal only when they rebuild the stored recovery key", async () => {
    const { barrier, seal, keys } = await setup();
    const other = await setup();
    await seal.submit(keys[0]!);
    await seal.submit(keys[0]!); // the same share twice counts once
    expect((await seal.status()).progress).toBe(1);
    await expect(seal.submit(other.keys[1]!)).rejects.toBeInstanceOf(InvalidUnsealKey);
    expect(barrier.sealed).toBe(true);
    expect((await seal.status()).progress).toBe(0);
    await expect(seal.submit(new Uint8Array(5))).rejects.toBeInstanceOf(InvalidUnsealKey);
    await seal.submit(keys[1]!);
    seal.reset();
    await seal.submit(keys[2]!);
    await seal.submit(keys[0]!);
    expect(barrier.sealed).toBe(false);
    await seal.submit(keys[1]!); // unsealed: ignored
  });

  it("writes nothing when the key service is down at init, and stays sealed when it is down later", async () => {
    const storage = new MemoryStorage();
    const barrier = new Barrier(storage);
    const kms = keyService();
    const seal = new AutoSeal(barrier, kms);
    kms.down = true;
    await expect(seal.initialize({ shares: 1, threshold: 1 })).rejects.toBeInstanceOf(SealUnavailable);
    expect(await storage.list("")).toEqual([]);
    kms.down = false;
    const [only] = await seal.initialize({ shares: 1, threshold: 1 });
    expect(only!.byteLength).toBe(32); // one share is the key itself
    kms.down = true;
    await expect(seal.autoUnseal()).rejects.toBeInstanceOf(SealUnavailable);
    await expect(seal.submit(only!)).rejects.toBeInstanceOf(SealUnavailable);
    expect(barrier.sealed).toBe(true);
    kms.down = false;
    await seal.submit(only!);
    expect(barrier.sealed).toBe(false);
  });

  it("refuses bad parameters, a second init, and use before init", async () => {
    const seal = new AutoSeal(new Barrier(new MemoryStorage()), keyService());
    await expect(seal.autoUnseal()).rejects.toBeInstanceOf(BadRequest);
    await expect(seal.submit(new Uint8Array(33))).rejects.toThrow(/not initialized/);
    await expect(seal.initialize({ shares: 2, threshold: 3 })).rejects.toThrow(/recovery/);
    expect((await seal.status()).initialized).toBe(false);
    const { seal: done } = await setup();
    await expect(done.initialize({ shares: 3, threshold: 2 })).rejects.toThrow(/already initialized/);
  });

  it("and Shamir refuse storage initialized by the other seal type", async () => {
    const storage = new MemoryStorage();
    const barrier = new Barrier(storage);
    await new AutoSeal(barrier, keyService()).initialize({ shares: 1, threshold: 1 });
    await expect(new ShamirSeal(barrier).status()).rejects.toThrow(
      /"testkms" seal .* configured for "shamir"/,
    );
    const shamirBarrier = new Barrier(new MemoryStorage());
    await new ShamirSeal(shamirBarrier).initialize({ shares: 1, threshold: 1 });
    await expect(new AutoSeal(shamirBarrier, keyService()).config()).rejects.toThrow(/seal migration/);
  });
});
