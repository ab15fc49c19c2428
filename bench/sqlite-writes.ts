/**
 * SQLite put throughput with N concurrent writers: the previous design ("inline": better-sqlite3 on
 * the main thread, one transaction and one fsync per put, blocking the event loop) against SqliteStorage
 * ("worker": writer thread with group commit). Reports puts/s, request latency (queueing for the event loop included) and event-loop delay (how
 * long every other request would wait). Not a test: no thresholds. fsync cost depends on the disk, so
 * run it where the data would live (--dir).
 *
 *   npx tsx bench/sqlite-writes.ts [--mode=both|inline|worker] [--writers=64] [--seconds=5]
 *                                  [--value-bytes=256] [--sync=full|normal] [--dir=/path]
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import Database from "better-sqlite3";
import { SqliteStorage, type Synchronous } from "../src/storage/sqlite.js";

interface Writable {
  put(key: string, value: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** The previous SqliteStorage write path, verbatim in effect: a synchronous transaction per put. */
class InlineSqlite implements Writable {
  private readonly db: Database.Database;
  private readonly stmt: Database.Statement<[string, Buffer]>;

  constructor(file: string, sync: Synchronous) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${sync === "normal" ? "NORMAL" : "FULL"}`);
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(
      "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID",
    );
    this.stmt = this.db.prepare(
      "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
  }

  put(key: string, value: Uint8Array): Promise<void> {
    this.db.transaction(() => {
      this.stmt.run(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    })();
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
}

const mode = arg("mode", "both");
const writers = Number(arg("writers", "64"));
const seconds = Number(arg("seconds", "5"));
const valueBytes = Number(arg("value-bytes", "256"));
const sync: Synchronous = arg("sync", "full") === "normal" ? "normal" : "full";
const base = arg("dir", tmpdir());

function pct(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0);
}

async function run(kind: "inline" | "worker"): Promise<void> {
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, "sqlite-writes-"));
  const file = join(dir, "bench.db");
  const store: Writable =
    kind === "inline" ? new InlineSqlite(file, sync) : new SqliteStorage(file, { synchronous: sync });
  try {
    const value = new Uint8Array(valueBytes).map((_, i) => (i * 31) & 0xff);
    await store.put("warm/up", value); // the writer thread is started and the file exists
    const latencies: number[] = [];
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const deadline = performance.now() + seconds * 1000;
    let done = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; performance.now() < deadline; i++) {
          // Each put is a new request arriving as its own task; latency includes waiting for the loop.
          const t = performance.now();
          await new Promise<void>((res) => setImmediate(res));
          await store.put(`bench/${w}/${i % 1000}`, value);
          latencies.push(performance.now() - t);
          done++;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    loop.disable();
    const stats = store instanceof SqliteStorage ? store.writeStats : undefined;
    const perCommit = stats === undefined ? 1 : stats.requests / Math.max(1, stats.batches);
    const sorted = Float64Array.from(latencies).sort();
    const ms = (v: number) => v.toFixed(2).padStart(8);
    console.log(
      `${kind.padEnd(6)} sync=${sync} writers=${writers}: ${Math.round(done / elapsed)
        .toString()
        .padStart(7)} puts/s | put latency ms p50 ${ms(pct(sorted, 0.5))} p99 ${ms(pct(sorted, 0.99))} | ` +
        `event-loop delay ms p50 ${ms(loop.percentile(50) / 1e6)} p99 ${ms(loop.percentile(99) / 1e6)} max ${ms(loop.max / 1e6)} | ` +
        `puts/commit ${perCommit.toFixed(1)}`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of mode === "both"
  ? (["inline", "worker"] as const)
  : mode === "inline"
    ? (["inline"] as const)
    : (["worker"] as const)) {
  await run(kind);
}
