/**
 * The HA backend: one PostgreSQL table shared by every server node, through a `pg` connection pool.
 * The key column uses the "C" collation so its order is byte order (as SQLite's and `list`'s
 * contract require) and range scans on the primary key serve `list`.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { CHANGES_CHANNEL, ChangeFeed, changeNotice, type ChangeListener } from "./postgres-changes.js";
import {
  StorageUnavailable,
  checkStorageKey,
  childrenOf,
  prefixUpperBound,
  type StorageBackend,
  type StorageOp,
} from "./storage.js";

export interface PostgresOptions {
  readonly connectionString: string;
  /** Table name; default "secrethub_kv". */
  readonly table?: string;
  /** Schema; created if missing. Default: the connection's search_path. */
  readonly schema?: string;
  /** Maximum pool connections; default 10. */
  readonly poolSize?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function quoteIdent(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new RangeError(`postgresql: invalid ${what} name`);
  return `"${name}"`;
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

function valueOf(row: unknown): Uint8Array | undefined {
  if (typeof row !== "object" || row === null || !("value" in row)) return undefined;
  return row.value instanceof Uint8Array ? Uint8Array.from(row.value) : undefined;
}

function toBuffer(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** SQLSTATEs of a concurrent CREATE ... IF NOT EXISTS losing the race on another node. */
const CREATE_RACE = new Set(["23505", "42P07", "42P06"]);

function sqlState(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : undefined;
}

export class PostgresStorage implements StorageBackend {
  readonly kind = "postgresql";
  private readonly pool: pg.Pool;
  private readonly maxConnections: number;
  private readonly qualified: string;
  private readonly schema: string | undefined;
  private ready: Promise<void> | undefined;
  /** Identifies this node's own change notices, which its caches have already applied. */
  private readonly node = randomUUID();
  private readonly connectionString: string;
  private lockPool: pg.Pool | undefined;

  constructor(options: PostgresOptions) {
    this.connectionString = options.connectionString;
    this.maxConnections = options.poolSize ?? 10;
    if (!Number.isInteger(this.maxConnections) || this.maxConnections < 1) {
      throw new RangeError("postgresql: poolSize must be a positive integer");
    }
    const table = quoteIdent(options.table ?? "secrethub_kv", "table");
    this.schema = options.schema === undefined ? undefined : quoteIdent(options.schema, "schema");
    this.qualified = this.schema === undefined ? table : `${this.schema}.${table}`;
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: this.maxConnections });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.pool.on("error", () => undefined);
  }

  /** Creates the backend and its table (if missing), failing fast when the database is unreachable. */
  static async open(options: PostgresOptions): Promise<PostgresStorage> {
    const storage = new PostgresStorage(options);
    try {
      await storage.ensureTable();
    } catch (err) {
      await storage.close();
      throw err;
    }
    return storage;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const rows = await this.query("get", `SELECT value FROM ${this.qualified} WHERE key = $1`, [key]);
    return valueOf(rows[0]);
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.transaction([{ kind: "put", key, value }]);
  }

  /** A transaction of one, so that the change notice goes out with the commit. */
  delete(key: string): Promise<void> {
    return this.transaction([{ kind: "delete", key }]);
  }

  async list(prefix: string): Promise<string[]> {
    const upper = prefixUpperBound(prefix);
    const base = `SELECT key FROM ${this.qualified}`;
    const rows =
      prefix === ""
        ? await this.query("list", `${base} ORDER BY key`, [])
        : upper === undefined
          ? await this.query("list", `${base} WHERE key >= $1 ORDER BY key`, [prefix])
          : await this.query("list", `${base} WHERE key >= $1 AND key < $2 ORDER BY key`, [prefix, upper]);
    return childrenOf(prefix, keysOf(rows));
  }

  async transaction(ops: readonly StorageOp[]): Promise<void> {
    for (const op of ops) checkStorageKey(op.key);
    if (ops.length === 0) return;
    await this.ensureTable();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw new StorageUnavailable("postgresql: cannot connect", { cause: err });
    }
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      for (const op of ops) {
        if (op.kind === "put") {
          await client.query(
            `INSERT INTO ${this.qualified} (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
            [op.key, toBuffer(op.value)],
          );
        } else {
          await client.query(`DELETE FROM ${this.qualified} WHERE key = $1`, [op.key]);
        }
        // Delivered to the other nodes at COMMIT, never for a rolled-back write.
        await client.query("SELECT pg_notify($1, $2)", [
          CHANGES_CHANNEL,
          changeNotice(this.qualified, this.node, op.key),
        ]);
      }
      await client.query("COMMIT");
    } catch (err) {
      try {
        await client.query("ROLLBACK");
      } catch (rollbackErr) {
        broken = rollbackErr instanceof Error ? rollbackErr : new Error("rollback failed");
      }
      throw new StorageUnavailable("postgresql: transaction failed", { cause: err });
    } finally {
      // A client whose rollback failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.pool.query("SELECT 1");
    } catch (err) {
      throw new StorageUnavailable("postgresql: ping failed", { cause: err });
    }
  }

  /**
   * A PostgreSQL advisory lock held on a dedicated small pool (so holders never starve the data pool
   * their critical sections read and write through). Waiting gives up after 10 s (503): a node that
   * died holding a lock released it with its session.
   */
  async withLock<T>(name: string, critical: () => Promise<T>): Promise<T> {
    await this.ensureTable();
    this.lockPool ??= newLockPool(this.connectionString);
    let client: pg.PoolClient;
    try {
      client = await this.lockPool.connect();
      await client.query("SET lock_timeout = '10s'");
    } catch (err) {
      throw new StorageUnavailable("postgresql: cannot connect for a lock", { cause: err });
    }
    const id = `${this.qualified}\n${name}`;
    try {
      await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [id]);
    } catch (err) {
      client.release(err instanceof Error ? err : true);
      throw new StorageUnavailable("postgresql: lock wait failed", { cause: err });
    }
    try {
      return await critical();
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [id]).then(
        () => client.release(),
        // Unlock failed: ending the session is what releases the lock for sure.
        (err: unknown) => client.release(err instanceof Error ? err : true),
      );
    }
  }

  /** Other nodes' writes, from PostgreSQL LISTEN/NOTIFY on a dedicated connection (postgres-changes.ts). */
  async watch(onChange: ChangeListener): Promise<() => Promise<void>> {
    const feed = new ChangeFeed(this.connectionString, this.qualified, this.node, onChange);
    await feed.start();
    return () => feed.stop();
  }

  /** Connections checked out divided by the pool's maximum, in [0, 1]; for metrics and alerts. */
  poolUtilization(): number {
    const inUse = this.pool.totalCount - this.pool.idleCount;
    return Math.min(1, Math.max(0, inUse / this.maxConnections));
  }

  async close(): Promise<void> {
    await this.lockPool?.end().catch(() => undefined);
    this.lockPool = undefined;
    if (this.pool.ended) return;
    await this.pool.end();
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.createTable().catch((err: unknown) => {
      this.ready = undefined;
      throw new StorageUnavailable("postgresql: cannot create table", { cause: err });
    });
    return this.ready;
  }

  private async createTable(): Promise<void> {
    const statements = [
      ...(this.schema === undefined ? [] : [`CREATE SCHEMA IF NOT EXISTS ${this.schema}`]),
      `CREATE TABLE IF NOT EXISTS ${this.qualified} (key TEXT COLLATE "C" PRIMARY KEY, value BYTEA NOT NULL)`,
    ];
    for (const sql of statements) {
      try {
        await this.pool.query(sql);
      } catch (err) {
        if (!CREATE_RACE.has(sqlState(err) ?? "")) throw err;
      }
    }
  }

  private async query(op: string, sql: string, params: unknown[]): Promise<unknown[]> {
    await this.ensureTable();
    try {
      const result = await this.pool.query(sql, params);
      const rows: unknown[] = result.rows;
      return rows;
    } catch (err) {
      throw new StorageUnavailable(`postgresql: ${op} failed`, { cause: err });
    }
  }
}

function newLockPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 4 });
  pool.on("error", () => undefined);
  return pool;
}
