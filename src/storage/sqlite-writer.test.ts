// The writer thread of SqliteStorage: group commit, per-request atomicity inside a batch, ordering,
// read-your-writes on the main-thread connection, close() draining, durability of acknowledged writes.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStorage } from "./sqlite.js";
import { InvalidStorageKey, StorageUnavailable } from "./storage.js";

const dir = mkdtempSync(join(tmpdir(), "secrethub-sqlite-writer-"));
let n = 0;
const freshPath = () => join(dir, `db-${++n}.db`);
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function addTrigger(path: string, key: string, action: "ABORT" | "ROLLBACK"): void {
  const other = new Database(path);
  other.exec(
    `CREATE TRIGGER t_${action} BEFORE INSERT ON kv WHEN NEW.key = '${key}' BEGIN SELECT RAISE(${action}, 'no ${key}'); END`,
  );
  other.close();
}

describe("SqliteStorage writer thread", () => {
  it("lets a main-thread read see every write whose promise has resolved", async () => {
    const s = new SqliteStorage(freshPath());
    try {
      for (let i = 0; i < 50; i++) {
        await s.put("ryw/seq", bytes(`v${i}`));
        expect(text(await s.get("ryw/seq"))).toBe(`v${i}`);
      }
      // Concurrent writers: each one reads its own key the moment its put resolves.
      const seen = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          s.put(`ryw/c/${i}`, bytes(`c${i}`)).then(() => s.get(`ryw/c/${i}`)),
        ),
      );
      expect(seen.map(text)).toEqual(Array.from({ length: 100 }, (_, i) => `c${i}`));
      expect(await s.list("ryw/c/")).toHaveLength(100);
      await s.delete("ryw/seq");
      expect(await s.get("ryw/seq")).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it("group-commits concurrent writes: fewer commits than requests", async () => {
    const s = new SqliteStorage(freshPath());
    try {
      await s.put("warm", bytes("up"));
      const before = s.writeStats;
      await Promise.all(Array.from({ length: 64 }, (_, i) => s.put(`g/${i}`, bytes(String(i)))));
      const after = s.writeStats;
      expect(after.requests - before.requests).toBe(64);
      expect(after.batches - before.batches).toBeLessThan(64);
      expect(await s.list("g/")).toHaveLength(64);
    } finally {
      await s.close();
    }
  });

  it("rejects only the failing request of a batch; the others in the same commit succeed", async () => {
    const path = freshPath();
    const s = new SqliteStorage(path);
    try {
      await s.put("keep", bytes("keep"));
      addTrigger(path, "boom", "ABORT");
      const before = s.writeStats;
      // Issued in one tick: one message to the writer, one transaction.
      const results = await Promise.allSettled([
        s.put("a", bytes("a")),
        s.transaction([
          { kind: "put", key: "b", value: bytes("b") },
          { kind: "delete", key: "keep" },
          { kind: "put", key: "boom", value: bytes("x") },
        ]),
        s.transaction([{ kind: "put", key: "bad\u0000key", value: bytes("x") }]),
        s.delete("a-missing"),
        s.transaction([
          { kind: "put", key: "c", value: bytes("c") },
          { kind: "put", key: "d", value: bytes("d") },
        ]),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        "fulfilled",
        "rejected",
        "rejected",
        "fulfilled",
        "fulfilled",
      ]);
      const engine = (results[1] as PromiseRejectedResult).reason as Error;
      expect(engine).toBeInstanceOf(StorageUnavailable);
      expect(engine.message).toBe("sqlite: transaction failed");
      expect(String(engine.cause)).not.toMatch(/boom/);
      expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidStorageKey);
      const after = s.writeStats;
      expect(after.batches - before.batches).toBe(1);
      expect(after.requests - before.requests).toBe(3);
      expect(text(await s.get("a"))).toBe("a");
      expect(await s.get("b")).toBeUndefined();
      expect(await s.get("boom")).toBeUndefined();
      expect(text(await s.get("keep"))).toBe("keep");
      expect(await s.list("")).toEqual(["a", "c", "d", "keep"]);
    } finally {
      await s.close();
    }
  });

  it("retries the rest of a batch when one request rolls back the whole transaction", async () => {
    const path = freshPath();
    const s = new SqliteStorage(path);
    try {
      await s.put("warm", bytes("up"));
      addTrigger(path, "nuke", "ROLLBACK");
      const before = s.writeStats;
      const results = await Promise.allSettled([
        s.put("x1", bytes("1")),
        s.transaction([
          { kind: "delete", key: "warm" },
          { kind: "put", key: "nuke", value: bytes("x") },
        ]),
        s.put("x2", bytes("2")),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailable);
      expect(await s.list("")).toEqual(["warm", "x1", "x2"]);
      expect(s.writeStats.batches - before.batches).toBe(1);
      expect(s.writeStats.requests - before.requests).toBe(2);
      // The connection is still usable afterwards.
      await s.put("after", bytes("ok"));
      expect(text(await s.get("after"))).toBe("ok");
    } finally {
      await s.close();
    }
  });

  it("applies interleaved puts and deletes of one key in issue order", async () => {
    const s = new SqliteStorage(freshPath());
    try {
      for (let round = 0; round < 20; round++) {
        const ops: Array<{ del: boolean; v: string }> = Array.from(
          { length: 1 + ((round * 7) % 13) },
          (_, i) => ({
            del: (round + i) % 3 === 0,
            v: `r${round}-${i}`,
          }),
        );
        const order: number[] = [];
        await Promise.all(
          ops.map((op, i) =>
            (op.del ? s.delete("one") : s.put("one", bytes(op.v))).then(() => {
              order.push(i);
            }),
          ),
        );
        expect(order).toEqual(ops.map((_, i) => i));
        const last = ops[ops.length - 1]!;
        expect(text(await s.get("one"))).toBe(last.del ? undefined : last.v);
      }
    } finally {
      await s.close();
    }
  });

  it("snapshots a value when the write is issued, not when it is sent", async () => {
    const s = new SqliteStorage(freshPath());
    try {
      const v = bytes("first");
      const p = s.put("snap", v);
      v.set(bytes("XXXXX"));
      await p;
      expect(text(await s.get("snap"))).toBe("first");
    } finally {
      await s.close();
    }
  });

  it("close() drains every pending write, then rejects new ones", async () => {
    const path = freshPath();
    const s = new SqliteStorage(path);
    const writes = Array.from({ length: 300 }, (_, i) => s.put(`drain/${i}`, bytes(String(i))));
    const closed = s.close();
    await expect(s.put("late", bytes("x"))).rejects.toBeInstanceOf(StorageUnavailable);
    await expect(s.delete("late")).rejects.toThrow(/^sqlite: delete failed$/);
    await closed;
    await expect(Promise.all(writes)).resolves.toHaveLength(300);
    await s.close();
    const again = new SqliteStorage(path);
    try {
      expect(await again.list("drain/")).toHaveLength(300);
      expect(text(await again.get("drain/299"))).toBe("299");
    } finally {
      await again.close();
    }
  });

  it("honours synchronous: normal on the writer connection", async () => {
    const s = new SqliteStorage(freshPath(), { synchronous: "normal" });
    try {
      await s.put("k", bytes("v"));
      expect(text(await s.get("k"))).toBe("v");
    } finally {
      await s.close();
    }
  });

  it("keeps every acknowledged write of a concurrent stream after kill -9", async () => {
    const path = freshPath();
    const moduleUrl = new URL("./sqlite.ts", import.meta.url).href;
    // Writers keep writing; each acknowledgement is printed; the parent kills mid-stream.
    const script = `
      const { SqliteStorage } = await import(process.env.SH_MODULE);
      const s = new SqliteStorage(process.env.SH_DB);
      let i = 0;
      const writer = async () => {
        for (;;) {
          const k = "k/" + String(i++).padStart(6, "0");
          await s.put(k, new TextEncoder().encode(k));
          process.stdout.write(k + "\\n");
        }
      };
      for (let w = 0; w < 16; w++) void writer();
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      env: { ...process.env, SH_MODULE: moduleUrl, SH_DB: path },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_code, sig) => res(sig)));
    await new Promise<void>((res, rej) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.split("\n").length > 300) res();
      });
      child.on("exit", () => rej(new Error(`child exited early: ${stderr}`)));
    });
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const acked = out.split("\n").filter((l) => /^k\/\d{6}$/.test(l));
    expect(acked.length).toBeGreaterThanOrEqual(300);
    const s = new SqliteStorage(path);
    try {
      for (const k of acked) expect(text(await s.get(k))).toBe(k);
    } finally {
      await s.close();
    }
  });
});
