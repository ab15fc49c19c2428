/**
 * The audit table in the server's SQLite file, through its own better-sqlite3 connection (WAL lets
 * it share the file with the key/value backend). Opened on first use, so a server without a
 * database audit device never touches it. `time` is ISO 8601 text in UTC, which sorts as time.
 */
import Database from "better-sqlite3";
import { StorageUnavailable } from "./storage.js";
import {
  COLUMNS,
  dbRowSchema,
  headRowSchema,
  seqRowSchema,
  whereClause,
  type AuditTable,
  type AuditTableQuery,
  type AuditTableRow,
} from "./audit-table.js";

const TABLE = "audit_events";

const SCHEMA = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  device TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, type TEXT NOT NULL,
  namespace TEXT NOT NULL, actor_accessor TEXT NOT NULL, actor_entity_id TEXT NOT NULL,
  actor_display_name TEXT NOT NULL, operation TEXT NOT NULL, path TEXT NOT NULL, result TEXT NOT NULL,
  remote_address TEXT NOT NULL, request_id TEXT NOT NULL, metadata TEXT NOT NULL, entry TEXT NOT NULL,
  hash TEXT NOT NULL, UNIQUE (device, seq));
CREATE INDEX IF NOT EXISTS ${TABLE}_time ON ${TABLE} (device, time);`;

const SELECT = `SELECT ${COLUMNS.map(([c]) => c).join(", ")} FROM ${TABLE}`;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function values(r: AuditTableRow): unknown[] {
  return COLUMNS.map(([, field]) => (field === "timeMs" ? iso(r.timeMs) : r[field]));
}

export class SqliteAuditTable implements AuditTable {
  private db: Database.Database | undefined;

  constructor(private readonly path: string) {}

  append(rows: readonly AuditTableRow[]): Promise<void> {
    return this.run("append", (db) => {
      const insert = db.prepare(
        `INSERT INTO ${TABLE} (${COLUMNS.map(([c]) => c).join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`,
      );
      db.transaction(() => {
        for (const r of rows) insert.run(...values(r));
      })();
    });
  }

  head(device: string): Promise<{ seq: number; hash: string } | undefined> {
    return this.run("head", (db) => {
      const row: unknown = db
        .prepare(`SELECT seq, hash FROM ${TABLE} WHERE device = ? ORDER BY seq DESC LIMIT 1`)
        .get(device);
      return row === undefined ? undefined : headRowSchema.parse(row);
    });
  }

  scan(device: string, afterSeq: number, limit: number): Promise<AuditTableRow[]> {
    return this.run("scan", (db) =>
      db
        .prepare(`${SELECT} WHERE device = ? AND seq > ? ORDER BY seq LIMIT ?`)
        .all(device, afterSeq, limit)
        .map((r) => dbRowSchema.parse(r)),
    );
  }

  query(q: AuditTableQuery): Promise<AuditTableRow[]> {
    return this.run("query", (db) => {
      const params: unknown[] = [];
      const where = whereClause(
        q,
        (v) => {
          params.push(v);
          return "?";
        },
        iso,
      );
      const order = q.order === "asc" ? "ASC" : "DESC";
      params.push(q.limit);
      return db
        .prepare(`${SELECT} WHERE ${where} ORDER BY seq ${order} LIMIT ?`)
        .all(...params)
        .map((r) => dbRowSchema.parse(r));
    });
  }

  lastSeqBefore(device: string, timeMs: number): Promise<number | undefined> {
    return this.run("lastSeqBefore", (db) => {
      const row = seqRowSchema.parse(
        db
          .prepare(`SELECT max(seq) AS seq FROM ${TABLE} WHERE device = ? AND time < ?`)
          .get(device, iso(timeMs)),
      );
      return row.seq ?? undefined;
    });
  }

  deleteThrough(device: string, seq: number): Promise<number> {
    return this.run(
      "deleteThrough",
      (db) => db.prepare(`DELETE FROM ${TABLE} WHERE device = ? AND seq <= ?`).run(device, seq).changes,
    );
  }

  close(): Promise<void> {
    try {
      if (this.db?.open) this.db.close();
      this.db = undefined;
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(new StorageUnavailable("sqlite audit table: close failed", { cause: err }));
    }
  }

  private open(): Database.Database {
    if (this.db?.open) return this.db;
    const db = new Database(this.path);
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("busy_timeout = 5000");
      db.exec(SCHEMA);
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    return db;
  }

  /** Runs one call; engine errors become StorageUnavailable naming only the operation. */
  private run<T>(op: string, fn: (db: Database.Database) => T): Promise<T> {
    try {
      return Promise.resolve(fn(this.open()));
    } catch (err) {
      return Promise.reject(new StorageUnavailable(`sqlite audit table: ${op} failed`, { cause: err }));
    }
  }
}
