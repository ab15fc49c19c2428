import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { termOf } from "../crypto/aead.js";
import { randomBytes } from "../crypto/random.js";
import { MemoryStorage } from "../storage/memory.js";
import { SqliteStorage } from "../storage/sqlite.js";
import { StorageUnavailable, type StorageBackend } from "../storage/storage.js";
import { Barrier, BarrierIntegrityError } from "./barrier.js";
import { ManualClock } from "./clock.js";
import { BadRequest, InvalidUnsealKey, Sealed } from "./errors.js";

const PLAINTEXT = "correct-horse-battery-staple-4242";
const asString = (raw: unknown) => {
  if (typeof raw !== "string") throw new Error("expected a string");
  return raw;
};

async function unsealed(storage: StorageBackend = new MemoryStorage(), clock = new ManualClock()) {
  const key = randomBytes(32);
  const barrier = new Barrier(storage, clock);
  await barrier.initialize(key);
  await barrier.unseal(key);
  return { barrier, storage, key, clock };
}

const dir = mkdtempSync(join(tmpdir(), "secrethub-barrier-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Barrier", () => {
  it("initializes sealed, unseals with the key, and round-trips values through a view", async () => {
    const storage = new MemoryStorage();
    const key = randomBytes(32);
    const barrier = new Barrier(storage);
    expect(await barrier.initialized()).toBe(false);
    await barrier.initialize(key);
    expect(await barrier.initialized()).toBe(true);
    expect(barrier.sealed).toBe(true);
    await barrier.unseal(key);
    expect(barrier.sealed).toBe(false);
    const view = barrier.view("logical/abc/");
    await view.write("foo", { password: PLAINTEXT });
    expect(await view.read("foo", (r) => r)).toEqual({ password: PLAINTEXT });
    expect(await view.list("")).toEqual(["foo"]);
    await view.delete("foo");
    expect(await view.read("foo", (r) => r)).toBeUndefined();
  });

  it("refuses to initialize twice", async () => {
    const { barrier } = await unsealed();
    await expect(barrier.initialize(randomBytes(32))).rejects.toBeInstanceOf(BadRequest);
  });

  it("never writes plaintext to the backend (memory)", async () => {
    const { barrier, storage } = await unsealed();
    await barrier.view("secret/").write("db", PLAINTEXT);
    const raw = await storage.get("secret/db");
    expect(raw).toBeDefined();
    expect(Buffer.from(raw!).includes(PLAINTEXT)).toBe(false);
    const keyring = await storage.get("core/keyring");
    expect(Buffer.from(keyring!).includes('"keys"')).toBe(false);
  });

  it("never writes plaintext to a real SQLite file (db and WAL bytes)", async () => {
    const path = join(dir, "plain.db");
    const storage = new SqliteStorage(path);
    const { barrier } = await unsealed(storage);
    await barrier.view("secret/").write("db", { value: PLAINTEXT });
    // Sanity check that the search works: a raw write of the marker is visible in the files.
    await storage.put("control", new TextEncoder().encode("control-marker-0xdeadbeef"));
    const files = readdirSync(dir).filter((f) => f.startsWith("plain.db"));
    expect(files).toContain("plain.db-wal");
    const all = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
    expect(all.includes("control-marker-0xdeadbeef")).toBe(true);
    expect(all.includes(PLAINTEXT)).toBe(false);
    expect(await barrier.view("secret/").read("db", (r) => r)).toEqual({ value: PLAINTEXT });
    await storage.close();
  });

  it("binds a value to its path: a value moved to another key fails to decrypt", async () => {
    const { barrier, storage } = await unsealed();
    await barrier.view("secret/").write("a", PLAINTEXT);
    await storage.put("secret/b", (await storage.get("secret/a"))!);
    await expect(barrier.view("secret/").read("b", asString)).rejects.toBeInstanceOf(BarrierIntegrityError);
    expect(await barrier.view("secret/").read("a", asString)).toBe(PLAINTEXT);
  });

  it("detects a flipped ciphertext byte", async () => {
    const { barrier, storage } = await unsealed();
    await barrier.view("").write("x", "value");
    const raw = (await storage.get("x"))!;
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    await storage.put("x", raw);
    await expect(barrier.view("").read("x", asString)).rejects.toThrow(/integrity/);
  });

  it("rejects a wrong unseal key with InvalidUnsealKey and stays sealed", async () => {
    const storage = new MemoryStorage();
    const key = randomBytes(32);
    const barrier = new Barrier(storage);
    await barrier.initialize(key);
    await expect(barrier.unseal(randomBytes(32))).rejects.toBeInstanceOf(InvalidUnsealKey);
    await expect(barrier.unseal(randomBytes(16))).rejects.toBeInstanceOf(InvalidUnsealKey);
    await expect(barrier.unseal(new Uint8Array(0))).rejects.toBeInstanceOf(InvalidUnsealKey);
    expect(barrier.sealed).toBe(true);
    expect(await barrier.unsealKeyCheck(randomBytes(32))).toBe(false);
    expect(await barrier.unsealKeyCheck(key)).toBe(true);
    expect(barrier.sealed).toBe(true);
    await barrier.unseal(key);
    expect(barrier.sealed).toBe(false);
  });

  it("treats a corrupted keyring blob as an invalid key, never a crash", async () => {
    const storage = new MemoryStorage();
    const key = randomBytes(32);
    const barrier = new Barrier(storage);
    await barrier.initialize(key);
    await storage.put("core/keyring", new Uint8Array([1, 2, 3]));
    await expect(barrier.unseal(key)).rejects.toBeInstanceOf(InvalidUnsealKey);
  });

  it("refuses to unseal before initialization", async () => {
    const barrier = new Barrier(new MemoryStorage());
    await expect(barrier.unseal(randomBytes(32))).rejects.toBeInstanceOf(BadRequest);
  });

  it("throws Sealed for any access while sealed, and zeroes the keys", async () => {
    const { barrier, key } = await unsealed();
    const view = barrier.view("secret/");
    await view.write("k", "v");
    barrier.seal();
    expect(barrier.sealed).toBe(true);
    await expect(view.read("k", asString)).rejects.toBeInstanceOf(Sealed);
    await expect(view.write("k", "v2")).rejects.toBeInstanceOf(Sealed);
    await expect(view.delete("k")).rejects.toBeInstanceOf(Sealed);
    await expect(view.list("")).rejects.toBeInstanceOf(Sealed);
    await expect(barrier.rotate()).rejects.toBeInstanceOf(Sealed);
    expect(() => barrier.keyStatus()).toThrow(Sealed);
    await barrier.unseal(key);
    expect(await view.read("k", asString)).toBe("v");
  });

  it("rotates: old values stay readable, new writes use the new term, and it survives a reseal", async () => {
    const { barrier, storage, key, clock } = await unsealed();
    const view = barrier.view("secret/");
    await view.write("old", "old-value");
    expect(barrier.keyStatus().term).toBe(1);
    clock.advance(3600);
    expect(await barrier.rotate()).toBe(2);
    const status = barrier.keyStatus();
    expect(status.term).toBe(2);
    expect(status.installTime.getTime()).toBe(clock.now());
    await view.write("new", "new-value");
    expect(barrier.keyStatus().encryptions).toBe(1);
    expect(termOf((await storage.get("secret/old"))!)).toBe(1);
    expect(termOf((await storage.get("secret/new"))!)).toBe(2);
    barrier.seal();
    await barrier.unseal(key);
    expect(barrier.keyStatus().term).toBe(2);
    expect(await view.read("old", asString)).toBe("old-value");
    expect(await view.read("new", asString)).toBe("new-value");
  });

  it("serializes concurrent rotations into distinct terms", async () => {
    const { barrier, key } = await unsealed();
    const terms = await Promise.all([barrier.rotate(), barrier.rotate(), barrier.rotate()]);
    expect(terms).toEqual([2, 3, 4]);
    barrier.seal();
    await barrier.unseal(key);
    expect(barrier.keyStatus().term).toBe(4);
  });

  it("picks up another node's rotation on invalidate", async () => {
    const storage = new MemoryStorage();
    const { barrier: a, key } = await unsealed(storage);
    const b = new Barrier(storage);
    await b.unseal(key);
    await a.rotate();
    await a.view("s/").write("x", "from-a");
    await expect(b.view("s/").read("x", asString)).rejects.toBeInstanceOf(BarrierIntegrityError);
    await b.invalidate("core/keyring");
    expect(await b.view("s/").read("x", asString)).toBe("from-a");
  });

  it("keeps the keyring out of reach of views and raw access, but allows raw config", async () => {
    const { barrier, storage } = await unsealed();
    await expect(barrier.view("core/").write("keyring", "x")).rejects.toBeInstanceOf(BadRequest);
    await expect(barrier.view("core/").read("keyring", asString)).rejects.toBeInstanceOf(BadRequest);
    await expect(barrier.rawGet("core/keyring")).rejects.toBeInstanceOf(BadRequest);
    await expect(barrier.rawPut("core/keyring", new Uint8Array(1))).rejects.toBeInstanceOf(BadRequest);
    await barrier.rawPut("core/seal-config", new TextEncoder().encode('{"type":"shamir"}'));
    expect(Buffer.from((await storage.get("core/seal-config"))!).toString()).toBe('{"type":"shamir"}');
    barrier.seal();
    expect(Buffer.from((await barrier.rawGet("core/seal-config"))!).toString()).toBe('{"type":"shamir"}');
  });

  it("stays sealed when sealed during a rotation or a keyring reload", async () => {
    /** Memory storage whose writes wait for a gate, to seal in the middle of a persist. */
    class GatedStorage extends MemoryStorage {
      gate: Promise<void> | undefined;
      override async put(key: string, value: Uint8Array): Promise<void> {
        if (this.gate !== undefined) await this.gate;
        return super.put(key, value);
      }
    }
    const storage = new GatedStorage();
    const { barrier, key } = await unsealed(storage);
    let open = () => {};
    storage.gate = new Promise<void>((res) => (open = res));
    const rotation = barrier.rotate();
    await new Promise((res) => setImmediate(res));
    barrier.seal();
    open();
    await expect(rotation).rejects.toBeInstanceOf(Sealed);
    expect(barrier.sealed).toBe(true);

    await barrier.unseal(key);
    expect(barrier.keyStatus().term).toBe(2); // the persisted rotation is kept
    const reload = barrier.invalidate("core/keyring");
    barrier.seal();
    await reload;
    expect(barrier.sealed).toBe(true);
    await barrier.invalidate("core/keyring");
    await barrier.invalidate("logical/other");
    expect(barrier.sealed).toBe(true);
  });

  it("lets storage failures through unchanged, not as InvalidUnsealKey", async () => {
    const storage = new SqliteStorage(join(dir, "closed.db"));
    const key = randomBytes(32);
    const barrier = new Barrier(storage);
    await barrier.initialize(key);
    await storage.close();
    await expect(barrier.unseal(key)).rejects.toBeInstanceOf(StorageUnavailable);
    await expect(barrier.unsealKeyCheck(key)).rejects.toBeInstanceOf(StorageUnavailable);
    expect(barrier.sealed).toBe(true);
  });
});
