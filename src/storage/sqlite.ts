/**
 * The embedded default backend: one SQLite file through better-sqlite3, WAL journal with
 * `synchronous=FULL`, so every acknowledged write has been fsync'd to the WAL and survives `kill -9`
 * or power loss.
 *
 * better-sqlite3 is synchronous, and a durable commit is an fsync: done on the main thread it would
 * stall the event loop once per write. So writes (put, delete, transaction) go to a writer thread
 * (sqlite-writer.ts) with its own connection, which group-commits everything queued since its last
 * commit in one transaction (one fsync) and only then acknowledges each request. Reads (get, list)
 * stay synchronous on this thread's connection: short indexed statements that WAL lets run alongside
 * the writer, and that see every write whose promise has resolved (its COMMIT returned first).
 * Writes issued on this thread apply in the order they were issued.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import {
  OP_DELETE,
  OP_PUT,
  WRITER_MARKER,
  asFromWriter,
  type CloseMessage,
  type DoneMessage,
  type Synchronous,
  type WriteMessage,
  type WriterInit,
} from "./sqlite-protocol.js";
import {
  StorageUnavailable,
  checkStorageKey,
  childrenOf,
  prefixUpperBound,
  type StorageBackend,
  type StorageOp,
} from "./storage.js";

export type { Synchronous } from "./sqlite-protocol.js";

const TABLE = "kv";

export interface SqliteOptions {
  /**
   * "full" (default): an acknowledged write survives power loss. "normal": it survives `kill -9`
   * but the last commits may be lost on power loss.
   */
  readonly synchronous?: Synchronous;
}

interface Statements {
  get: Database.Statement<[string], unknown>;
  listAll: Database.Statement<[], unknown>;
  listFrom: Database.Statement<[string], unknown>;
  listRange: Database.Statement<[string, string], unknown>;
  ping: Database.Statement<[], unknown>;
}

type WriteOp = "transaction" | "delete";

interface Pending {
  readonly op: WriteOp;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

function valueOf(row: unknown): Uint8Array | undefined {
  if (typeof row !== "object" || row === null || !("value" in row)) return undefined;
  const v = row.value;
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  return undefined;
}

function keysOf(rows: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const row of rows) {
    if (typeof row === "object" && row !== null && "key" in row && typeof row.key === "string") {
      out.push(row.key);
    }
  }
  return out;
}

function failure(op: string, cause: unknown): StorageUnavailable {
  return new StorageUnavailable(`sqlite: ${op} failed`, { cause });
}

/**
 * Starts the writer thread: sqlite-writer.js next to this file in dist/; sqlite-writer.ts when running
 * from source (tsx, vitest). Node 20 workers do not inherit loader hooks, so the .ts entry is loaded
 * through tsx's in-thread CommonJS hooks (much cheaper to start than its ESM hooks, which need a
 * loader thread of their own). tsx is a devDependency: production always takes the .js branch.
 */
function startWriter(init: WriterInit): Worker {
  const own = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const candidates = own === ".ts" ? [".ts", ".js"] : [".js", ".ts"];
  for (const ext of candidates) {
    const url = new URL(`./sqlite-writer${ext}`, import.meta.url);
    const file = fileURLToPath(url);
    if (!existsSync(file)) continue;
    if (ext === ".js") return new Worker(url, { workerData: init });
    const tsx = createRequire(import.meta.url).resolve("tsx/cjs/api");
    // Works whether the eval'd code is taken as CommonJS or ESM (an inherited --input-type=module).
    const boot =
      `import("node:module").then(({ createRequire }) => {` +
      ` const require = createRequire(${JSON.stringify(file)});` +
      ` require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)}); })`;
    return new Worker(boot, { eval: true, workerData: init });
  }
  throw new Error("sqlite: writer entry not found");
}

/** Write requests queued this tick, packed into one message for the writer. */
class Outbox {
  private ids: number[] = [];
  private counts: number[] = [];
  private kinds: number[] = [];
  private keys: string[] = [];
  private ends: number[] = [];
  private data = new Uint8Array(0);
  private used = 0;

  get empty(): boolean {
    return this.ids.length === 0;
  }

  /** Copies the values now: later changes to the caller's arrays cannot reach the database. */
  add(id: number, ops: readonly StorageOp[]): void {
    let bytes = 0;
    for (const op of ops) if (op.kind === "put") bytes += op.value.byteLength;
    this.reserve(bytes);
    for (const op of ops) {
      if (op.kind === "put") {
        this.data.set(op.value, this.used);
        this.used += op.value.byteLength;
        this.kinds.push(OP_PUT);
      } else {
        this.kinds.push(OP_DELETE);
      }
      this.keys.push(op.key);
      this.ends.push(this.used);
    }
    this.ids.push(id);
    this.counts.push(ops.length);
  }

  take(): { msg: WriteMessage; transfer: ArrayBuffer[] } {
    const msg: WriteMessage = {
      type: "write",
      ids: Float64Array.from(this.ids),
      counts: Uint32Array.from(this.counts),
      kinds: Uint8Array.from(this.kinds),
      keys: this.keys,
      ends: Uint32Array.from(this.ends),
      data: this.data.subarray(0, this.used),
    };
    const transfer: ArrayBuffer[] = [];
    for (const view of [msg.ids, msg.counts, msg.kinds, msg.ends, this.data]) {
      if (view.byteLength > 0 && view.buffer instanceof ArrayBuffer) transfer.push(view.buffer);
    }
    this.ids = [];
    this.counts = [];
    this.kinds = [];
    this.keys = [];
    this.ends = [];
    this.data = new Uint8Array(0);
    this.used = 0;
    return { msg, transfer };
  }

  private reserve(bytes: number): void {
    const need = this.used + bytes;
    if (need <= this.data.byteLength) return;
    if (need > 0xffffffff) throw new RangeError("sqlite: write batch too large");
    const grown = new Uint8Array(Math.max(need, this.data.byteLength * 2, 4096));
    grown.set(this.data.subarray(0, this.used));
    this.data = grown;
  }
}

export class SqliteStorage implements StorageBackend {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private readonly stmt: Statements;
  private readonly writer: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly outbox = new Outbox();
  private nextId = 1;
  private flushScheduled = false;
  /** Set once the writer is gone for good: every later write rejects with it as the cause. */
  private broken: Error | undefined;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  private exited: (() => void) | undefined;
  private batches = 0;
  private acknowledged = 0;

  /** Opens (creating if needed, with parent directories) the database file at `path`. */
  constructor(
    readonly path: string,
    options: SqliteOptions = {},
  ) {
    let file: string;
    try {
      file = resolve(path);
      mkdirSync(dirname(file), { recursive: true });
      this.db = new Database(file);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      this.db.pragma("busy_timeout = 5000");
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID`,
      );
      this.stmt = {
        get: this.db.prepare(`SELECT value FROM ${TABLE} WHERE key = ?`),
        listAll: this.db.prepare(`SELECT key FROM ${TABLE} ORDER BY key`),
        listFrom: this.db.prepare(`SELECT key FROM ${TABLE} WHERE key >= ? ORDER BY key`),
        listRange: this.db.prepare(`SELECT key FROM ${TABLE} WHERE key >= ? AND key < ? ORDER BY key`),
        ping: this.db.prepare("SELECT 1"),
      };
    } catch (err) {
      throw new StorageUnavailable("sqlite: cannot open database", { cause: err });
    }
    try {
      this.writer = startWriter({ marker: WRITER_MARKER, file, synchronous: options.synchronous ?? "full" });
    } catch (err) {
      this.db.close();
      throw new StorageUnavailable("sqlite: cannot start writer", { cause: err });
    }
    this.writer.on("message", (msg: unknown) => this.onMessage(msg));
    this.writer.on("error", (err) => this.breakWriter(err));
    this.writer.on("exit", () => {
      this.breakWriter(new Error("writer exited"));
      this.exited?.();
    });
    // An idle writer must not keep the process alive; a pending write must (see write() and settled()).
    this.writer.unref();
  }

  static open(path: string, options?: SqliteOptions): SqliteStorage {
    return new SqliteStorage(path, options);
  }

  /** Group-commit counters: write requests acknowledged, and the commits (fsyncs) they took. */
  get writeStats(): { readonly requests: number; readonly batches: number } {
    return { requests: this.acknowledged, batches: this.batches };
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.run("get", () => valueOf(this.stmt.get.get(key)));
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.transaction([{ kind: "put", key, value }]);
  }

  delete(key: string): Promise<void> {
    return this.write("delete", [{ kind: "delete", key }]);
  }

  list(prefix: string): Promise<string[]> {
    return this.run("list", () => {
      const upper = prefixUpperBound(prefix);
      const rows =
        prefix === ""
          ? this.stmt.listAll.all()
          : upper === undefined
            ? this.stmt.listFrom.all(prefix)
            : this.stmt.listRange.all(prefix, upper);
      return childrenOf(prefix, keysOf(rows));
    });
  }

  transaction(ops: readonly StorageOp[]): Promise<void> {
    try {
      for (const op of ops) checkStorageKey(op.key);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return this.write("transaction", ops);
  }

  ping(): Promise<void> {
    return this.run("ping", () => {
      if (this.broken !== undefined) throw this.broken;
      this.stmt.ping.get();
    });
  }

  /** Waits for every write already issued to be acknowledged, stops the writer, closes the database. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.flush();
    if (this.pending.size > 0) await new Promise<void>((res) => (this.drained = res));
    if (this.broken === undefined) {
      const exited = new Promise<void>((res) => (this.exited = res));
      this.writer.ref();
      const bye: CloseMessage = { type: "close" };
      this.writer.postMessage(bye);
      await exited;
    } else {
      await this.writer.terminate();
    }
    await this.run("close", () => {
      if (this.db.open) this.db.close();
    });
  }

  /** Queues `ops` as one request for the writer; resolves once committed. */
  private write(op: WriteOp, ops: readonly StorageOp[]): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(failure(op, new Error("closed")));
    if (this.broken !== undefined) return Promise.reject(failure(op, this.broken));
    const id = this.nextId++;
    try {
      this.outbox.add(id, ops);
    } catch (err) {
      return Promise.reject(failure(op, err));
    }
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { op, resolve, reject }));
    if (this.pending.size === 1) this.writer.ref();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
    return done;
  }

  /** Sends everything queued since the last flush as one message. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.empty || this.broken !== undefined) return;
    const { msg, transfer } = this.outbox.take();
    this.writer.postMessage(msg, transfer);
  }

  private onMessage(raw: unknown): void {
    const msg = asFromWriter(raw);
    if (msg === undefined) return;
    if (msg.type === "fatal") {
      this.breakWriter(new Error(msg.code));
      return;
    }
    this.acknowledge(msg);
  }

  private acknowledge(msg: DoneMessage): void {
    this.batches++;
    for (const id of msg.ok) {
      const p = this.take(id);
      if (p !== undefined) {
        this.acknowledged++;
        p.resolve();
      }
    }
    msg.failed.forEach((id, i) => {
      const p = this.take(id);
      p?.reject(failure(p.op, new Error(msg.codes[i] ?? "SQLITE_ERROR")));
    });
    this.settled();
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  /** The writer is gone (failed to open, crashed, or exited): reject everything it still owed. */
  private breakWriter(cause: Error): void {
    this.broken ??= cause;
    const owed = [...this.pending.values()];
    this.pending.clear();
    this.outbox.take();
    for (const p of owed) p.reject(failure(p.op, cause));
    this.settled();
  }

  private settled(): void {
    if (this.pending.size > 0) return;
    if (this.closing === undefined) this.writer.unref();
    this.drained?.();
  }

  /** Runs one read on this thread's connection; any engine error becomes StorageUnavailable. */
  private run<T>(op: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(failure(op, err));
    }
  }
}
