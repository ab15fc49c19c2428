/**
 * The behavioural contract every StorageBackend must meet (Vault's ExerciseBackend, Hono's runTest).
 * Run from memory.test.ts, sqlite.test.ts and postgres.test.ts; passing it is what lets unit tests
 * elsewhere use MemoryStorage honestly.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidStorageKey, type StorageBackend } from "./storage.js";

/** `factory` must return a fresh, empty backend on each call; the suite closes it after each test. */
export function runStorageContract(
  name: string,
  factory: () => StorageBackend | Promise<StorageBackend>,
): void {
  describe(`StorageBackend contract: ${name}`, () => {
    let s: StorageBackend;
    const bytes = (text: string) => new TextEncoder().encode(text);
    const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

    beforeEach(async () => {
      s = await factory();
    });
    afterEach(async () => {
      await s.close();
    });

    it("returns undefined for a missing key", async () => {
      expect(await s.get("nope")).toBeUndefined();
    });

    it("puts, gets and overwrites", async () => {
      await s.put("a/b", bytes("one"));
      expect(text(await s.get("a/b"))).toBe("one");
      await s.put("a/b", bytes("two"));
      expect(text(await s.get("a/b"))).toBe("two");
      expect(await s.get("a")).toBeUndefined();
      expect(await s.get("a/")).toBeUndefined();
    });

    it("returns a copy: mutating the input or output does not change what is stored", async () => {
      const v = bytes("abc");
      await s.put("k", v);
      v[0] = 0x7a;
      const got = await s.get("k");
      expect(text(got)).toBe("abc");
      got![1] = 0x7a;
      expect(text(await s.get("k"))).toBe("abc");
    });

    it("deletes idempotently", async () => {
      await s.put("x", bytes("1"));
      await s.delete("x");
      expect(await s.get("x")).toBeUndefined();
      await s.delete("x");
      await s.delete("never-existed");
      expect(await s.list("")).toEqual([]);
    });

    it("lists direct children, folders once with a trailing slash, in order", async () => {
      for (const k of ["foo", "foo/bar", "foo/baz/qux", "foo/baz/quux", "zip", "a/b/c/d", "foo0", "foo-x"]) {
        await s.put(k, bytes(k));
      }
      expect(await s.list("")).toEqual(["a/", "foo", "foo-x", "foo/", "foo0", "zip"]);
      expect(await s.list("foo/")).toEqual(["bar", "baz/"]);
      expect(await s.list("foo/baz/")).toEqual(["quux", "qux"]);
      expect(await s.list("a/")).toEqual(["b/"]);
      expect(await s.list("a/b/c/")).toEqual(["d"]);
    });

    it("returns [] for a missing prefix and for a key used as a prefix", async () => {
      await s.put("leaf", bytes("1"));
      await s.put("dir/x", bytes("1"));
      expect(await s.list("missing/")).toEqual([]);
      expect(await s.list("leaf/")).toEqual([]);
      expect(await s.list("di/")).toEqual([]);
    });

    it("forgets folders once their last key is deleted", async () => {
      await s.put("d/e/f", bytes("1"));
      await s.put("d/g", bytes("1"));
      await s.delete("d/e/f");
      expect(await s.list("d/")).toEqual(["g"]);
      await s.delete("d/g");
      expect(await s.list("")).toEqual([]);
    });

    it("handles unicode, spaces and characters around '/' in byte order", async () => {
      const keys = [
        "uni/caf\u00e9",
        "uni/\u65e5\u672c/\u8a9e",
        "uni/emoji \u{1f511}",
        "uni/with space/x",
        "uni/with space",
        "uni/\uffff",
        "uni/\u{10fff0}",
        "uni./x",
        "uni0",
      ];
      for (const k of keys) await s.put(k, bytes(k));
      const listed = await s.list("uni/");
      expect(new Set(listed)).toEqual(
        new Set([
          "caf\u00e9",
          "\u65e5\u672c/",
          "emoji \u{1f511}",
          "with space/",
          "with space",
          "\uffff",
          "\u{10fff0}",
        ]),
      );
      expect(listed).toHaveLength(7);
      expect(await s.list("uni/with space/")).toEqual(["x"]);
      expect(await s.list("uni/\u65e5\u672c/")).toEqual(["\u8a9e"]);
      expect(text(await s.get("uni/emoji \u{1f511}"))).toBe("uni/emoji \u{1f511}");
    });

    it("round-trips binary values byte for byte, the empty value included", async () => {
      const all = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
      await s.put("bin", all);
      expect(Buffer.from((await s.get("bin"))!).equals(Buffer.from(all))).toBe(true);
      await s.put("empty", new Uint8Array(0));
      const empty = await s.get("empty");
      expect(empty).toBeInstanceOf(Uint8Array);
      expect(empty!.byteLength).toBe(0);
      const sub = all.subarray(100, 110);
      await s.put("sub", sub);
      expect(Array.from((await s.get("sub"))!)).toEqual(Array.from(sub));
    });

    it("stores a 1 MiB value", async () => {
      const big = new Uint8Array(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
      await s.put("big", big);
      expect(Buffer.from((await s.get("big"))!).equals(Buffer.from(big))).toBe(true);
    });

    it("applies a transaction's puts and deletes together", async () => {
      await s.put("t/old", bytes("old"));
      await s.transaction([
        { kind: "put", key: "t/a", value: bytes("a") },
        { kind: "delete", key: "t/old" },
        { kind: "put", key: "t/b", value: bytes("b") },
        { kind: "put", key: "t/a", value: bytes("a2") },
        { kind: "delete", key: "t/missing" },
      ]);
      expect(await s.list("t/")).toEqual(["a", "b"]);
      expect(text(await s.get("t/a"))).toBe("a2");
      await s.transaction([]);
    });

    it("applies nothing of a transaction that fails", async () => {
      await s.put("t/keep", bytes("keep"));
      await expect(
        s.transaction([
          { kind: "put", key: "t/new", value: bytes("x") },
          { kind: "delete", key: "t/keep" },
          { kind: "put", key: "bad\u0000key", value: bytes("x") },
        ]),
      ).rejects.toBeInstanceOf(InvalidStorageKey);
      expect(await s.get("t/new")).toBeUndefined();
      expect(text(await s.get("t/keep"))).toBe("keep");
    });

    it("rejects empty and NUL keys on put", async () => {
      await expect(s.put("", bytes("x"))).rejects.toBeInstanceOf(InvalidStorageKey);
      await expect(s.put("a\u0000b", bytes("x"))).rejects.toBeInstanceOf(InvalidStorageKey);
      expect(await s.list("")).toEqual([]);
    });

    it("answers ping", async () => {
      await expect(s.ping()).resolves.toBeUndefined();
    });
  });
}
