// The HA change feed on the real PostgreSQL: notices from other nodes arrive only for committed
// writes, a node ignores its own, an oversized key is announced as "all", and a lost listening session
// reports "all" and then resumes.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresStorage } from "./postgres.js";

const url = process.env.SECRETHUB_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const table = `feed_${randomBytes(6).toString("hex")}`;
const bytes = (s: string) => new TextEncoder().encode(s);

describe("PostgreSQL change feed", () => {
  const admin = new pg.Client({ connectionString: url });
  let writer: PostgresStorage;
  let reader: PostgresStorage;
  const seen: (readonly string[] | "all")[] = [];
  const ownSeen: (readonly string[] | "all")[] = [];
  let stop: () => Promise<void>;
  let stopOwn: () => Promise<void>;

  beforeAll(async () => {
    await admin.connect();
    writer = await PostgresStorage.open({ connectionString: url, table });
    reader = await PostgresStorage.open({ connectionString: url, table });
    stop = await reader.watch((k) => seen.push(k));
    stopOwn = await writer.watch((k) => ownSeen.push(k));
  });
  afterAll(async () => {
    await stop();
    await stopOwn();
    await writer.close();
    await reader.close();
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
  });

  it("reports other nodes' committed writes and deletes, never a node's own", async () => {
    await writer.put("a/1", bytes("x"));
    await writer.delete("a/1");
    await writer.transaction([
      { kind: "put", key: "b/1", value: bytes("y") },
      { kind: "put", key: "b/2", value: bytes("z") },
    ]);
    await expect.poll(() => seen.flat()).toEqual(["a/1", "a/1", "b/1", "b/2"]);
    expect(ownSeen).toEqual([]);
  });

  it("announces nothing for a transaction that rolled back", async () => {
    seen.length = 0;
    await expect(
      writer.transaction([
        { kind: "put", key: "c/1", value: bytes("y") },
        { kind: "put", key: "bad\u0000key", value: bytes("z") },
      ]),
    ).rejects.toThrow();
    await writer.put("c/2", bytes("after"));
    await expect.poll(() => seen.flat()).toEqual(["c/2"]);
  });

  it("announces a key too long for a notice as a change of everything", async () => {
    seen.length = 0;
    await writer.put(`long/${"k".repeat(9000)}`, bytes("v"));
    await expect.poll(() => seen).toEqual(["all"]);
  });

  it("after losing its session, says 'all' and then hears changes again", async () => {
    seen.length = 0;
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN secrethub_changes%' AND pid <> pg_backend_pid()",
    );
    await expect
      .poll(() => seen.filter((k) => k === "all").length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1);
    // Once listening again (a second "all" marks the reconnect), notices flow as before.
    await expect
      .poll(() => seen.filter((k) => k === "all").length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    await writer.put("d/1", bytes("back"));
    await expect.poll(() => seen.flat().includes("d/1"), { timeout: 10_000 }).toBe(true);
  });

  it("withLock: sections with one name never overlap across nodes, and a failure releases the lock", async () => {
    let inside = 0;
    let overlap = false;
    const section = (s: PostgresStorage) =>
      s.withLock("n", async () => {
        inside++;
        if (inside > 1) overlap = true;
        await new Promise((r) => setTimeout(r, 20));
        inside--;
      });
    await Promise.all([section(writer), section(reader), section(writer), section(reader)]);
    expect(overlap).toBe(false);
    await expect(writer.withLock("m", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(reader.withLock("m", () => Promise.resolve("free"))).resolves.toBe("free");
  });

  it("starts while the database cannot be reached, and keeps trying in the background", async () => {
    const away = new PostgresStorage({ connectionString: "postgres://postgres@127.0.0.1:1/test", table });
    const stopAway = await away.watch(() => undefined);
    await stopAway();
    await away.close();
  });
});
