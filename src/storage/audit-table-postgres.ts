/**
 * The audit table in PostgreSQL, beside the key/value table, through its own small pool. Created on
 * first use; `time` is TIMESTAMPTZ so operators can query it directly.
 */
import pg from "pg";
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

export interface PostgresAuditTableOptions {
  readonly connectionString: string;
  /** Default "secrethub_audit". */
  readonly table?: string;
  /** Created if missing; default: the connection's search_path. */
  readonly schema?: string;
  readonly poolSize?: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** SQLSTATEs of a concurrent CREATE ... IF NOT EXISTS losing the race on another node. */
const CREATE_RACE = new Set(["23505", "42P07", "42P06"]);

function ident(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new RangeError(`postgresql: invalid ${what} name`);
  return `"${name}"`;
}

function sqlState(err: unknown): string {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string"
    ? err.code
    : "";
}

export class PostgresAuditTable implements AuditTable {
  private readonly pool: pg.Pool;
  private readonly qualified: string;
  private readonly schema: string | undefined;
  private readonly index: string;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresAuditTableOptions) {
    const table = options.table ?? "secrethub_audit";
    this.index = ident(`${table}_time`.slice(0, 63), "index");
    this.schema = options.schema === undefined ? undefined : ident(options.schema, "schema");
    this.qualified =
      this.schema === undefined ? ident(table, "table") : `${this.schema}.${ident(table, "table")}`;
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 4 });
    this.pool.on("error", () => undefined);
  }

  async append(rows: readonly AuditTableRow[]): Promise<void> {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    const tuples = rows.map((r) => {
      const slots = COLUMNS.map(([, field]) => {
        params.push(field === "timeMs" ? new Date(r.timeMs) : r[field]);
        return `$${params.length}`;
      });
      return `(${slots.join(", ")})`;
    });
    // One statement: all rows or none.
    await this.exec(
      "append",
      `INSERT INTO ${this.qualified} (${COLUMNS.map(([c]) => c).join(", ")}) VALUES ${tuples.join(", ")}`,
      params,
    );
  }

  async head(device: string): Promise<{ seq: number; hash: string } | undefined> {
    const rows = await this.exec(
      "head",
      `SELECT seq, hash FROM ${this.qualified} WHERE device = $1 ORDER BY seq DESC LIMIT 1`,
      [device],
    );
    return rows[0] === undefined ? undefined : headRowSchema.parse(rows[0]);
  }

  async scan(device: string, afterSeq: number, limit: number): Promise<AuditTableRow[]> {
    const rows = await this.exec(
      "scan",
      `${this.select()} WHERE device = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [device, afterSeq, limit],
    );
    return rows.map((r) => dbRowSchema.parse(r));
  }

  async lastSeqBefore(device: string, timeMs: number): Promise<number | undefined> {
    const rows = await this.exec(
      "lastSeqBefore",
      `SELECT max(seq) AS seq FROM ${this.qualified} WHERE device = $1 AND time < $2`,
      [device, new Date(timeMs)],
    );
    return seqRowSchema.parse(rows[0] ?? { seq: null }).seq ?? undefined;
  }

  async deleteThrough(device: string, seq: number): Promise<number> {
    const rows = await this.exec(
      "deleteThrough",
      `WITH d AS (DELETE FROM ${this.qualified} WHERE device = $1 AND seq <= $2 RETURNING 1) SELECT count(*) AS seq FROM d`,
      [device, seq],
    );
    return seqRowSchema.parse(rows[0] ?? { seq: 0 }).seq ?? 0;
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  async query(q: AuditTableQuery): Promise<AuditTableRow[]> {
    const params: unknown[] = [];
    const where = whereClause(
      q,
      (v) => {
        params.push(v);
        return `$${params.length}`;
      },
      (ms) => new Date(ms),
    );
    params.push(q.limit);
    const order = q.order === "asc" ? "ASC" : "DESC";
    const rows = await this.exec(
      "query",
      `${this.select()} WHERE ${where} ORDER BY seq ${order} LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => dbRowSchema.parse(r));
  }

  /** Runs one statement; engine errors become StorageUnavailable naming only the operation. */
  private async exec(op: string, sql: string, params: unknown[]): Promise<unknown[]> {
    await this.ensureTable();
    try {
      const result = await this.pool.query(sql, params);
      const rows: unknown[] = result.rows;
      return rows;
    } catch (err) {
      throw new StorageUnavailable(`postgresql audit table: ${op} failed`, { cause: err });
    }
  }

  private select(): string {
    return `SELECT ${COLUMNS.map(([c]) => c).join(", ")} FROM ${this.qualified}`;
  }

  private ensureTable(): Promise<void> {
    this.ready ??= this.createTable().catch((err: unknown) => {
      this.ready = undefined;
      throw new StorageUnavailable("postgresql audit table: cannot create table", { cause: err });
    });
    return this.ready;
  }

  private async createTable(): Promise<void> {
    const statements = [
      ...(this.schema === undefined ? [] : [`CREATE SCHEMA IF NOT EXISTS ${this.schema}`]),
      `CREATE TABLE IF NOT EXISTS ${this.qualified} (
        id BIGSERIAL PRIMARY KEY,
        device TEXT NOT NULL, seq BIGINT NOT NULL, time TIMESTAMPTZ NOT NULL, type TEXT NOT NULL,
        namespace TEXT NOT NULL, actor_accessor TEXT NOT NULL, actor_entity_id TEXT NOT NULL,
        actor_display_name TEXT NOT NULL, operation TEXT NOT NULL, path TEXT NOT NULL, result TEXT NOT NULL,
        remote_address TEXT NOT NULL, request_id TEXT NOT NULL, metadata TEXT NOT NULL, entry TEXT NOT NULL,
        hash TEXT NOT NULL, UNIQUE (device, seq))`,
      `CREATE INDEX IF NOT EXISTS ${this.index} ON ${this.qualified} (device, time)`,
    ];
    for (const sql of statements) {
      try {
        await this.pool.query(sql);
      } catch (err) {
        if (!CREATE_RACE.has(sqlState(err))) throw err;
      }
    }
  }
}
