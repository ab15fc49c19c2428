/**
 * The audit table of the `database` audit device, in the server's own storage database (SQLite by
 * default, PostgreSQL when that is the storage). Unlike the key/value table it stores rows that are
 * already HMAC'd by the audit layer, with plain columns so operators can filter them (and query them
 * with SQL). Implementations: audit-table-sqlite.ts, audit-table-postgres.ts, audit-table-memory.ts;
 * all pass audit-table.contract.ts.
 * Invariants: `append` stores all rows or none; (device, seq) is unique; scans are in seq order.
 */
import { z } from "zod";

export interface AuditTableRow {
  readonly device: string;
  readonly seq: number;
  readonly timeMs: number;
  readonly type: string;
  readonly namespace: string;
  readonly actorAccessor: string;
  readonly actorEntityId: string;
  readonly actorName: string;
  readonly operation: string;
  readonly path: string;
  readonly result: string;
  readonly remoteAddress: string;
  readonly requestId: string;
  readonly metadata: string;
  readonly entry: string;
  readonly hash: string;
}

export interface AuditTableQuery {
  readonly device: string;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly pathPrefix?: string;
  readonly actors?: readonly string[];
  readonly operation?: string;
  readonly result?: string;
  readonly namespace?: string;
  readonly type?: string;
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly order: "asc" | "desc";
  readonly limit: number;
}

export interface AuditTable {
  append(rows: readonly AuditTableRow[]): Promise<void>;
  head(device: string): Promise<{ seq: number; hash: string } | undefined>;
  scan(device: string, afterSeq: number, limit: number): Promise<AuditTableRow[]>;
  query(q: AuditTableQuery): Promise<AuditTableRow[]>;
  lastSeqBefore(device: string, timeMs: number): Promise<number | undefined>;
  deleteThrough(device: string, seq: number): Promise<number>;
  close(): Promise<void>;
}

/** Column names, in insert order, beside the row fields they hold. */
export const COLUMNS = [
  ["device", "device"],
  ["seq", "seq"],
  ["time", "timeMs"],
  ["type", "type"],
  ["namespace", "namespace"],
  ["actor_accessor", "actorAccessor"],
  ["actor_entity_id", "actorEntityId"],
  ["actor_display_name", "actorName"],
  ["operation", "operation"],
  ["path", "path"],
  ["result", "result"],
  ["remote_address", "remoteAddress"],
  ["request_id", "requestId"],
  ["metadata", "metadata"],
  ["entry", "entry"],
  ["hash", "hash"],
] as const satisfies readonly (readonly [string, keyof AuditTableRow])[];

const count = z.union([z.number(), z.string(), z.bigint()]).transform((v) => Number(v));

/** Parses a database row (snake_case columns; `time` as ISO text, Date or ms) into an AuditTableRow. */
export const dbRowSchema = z
  .object({
    device: z.string(),
    seq: count,
    time: z.union([z.string(), z.date(), z.number()]),
    type: z.string(),
    namespace: z.string(),
    actor_accessor: z.string(),
    actor_entity_id: z.string(),
    actor_display_name: z.string(),
    operation: z.string(),
    path: z.string(),
    result: z.string(),
    remote_address: z.string(),
    request_id: z.string(),
    metadata: z.string(),
    entry: z.string(),
    hash: z.string(),
  })
  .transform((r): AuditTableRow => ({
    device: r.device,
    seq: r.seq,
    timeMs:
      r.time instanceof Date ? r.time.getTime() : typeof r.time === "number" ? r.time : Date.parse(r.time),
    type: r.type,
    namespace: r.namespace,
    actorAccessor: r.actor_accessor,
    actorEntityId: r.actor_entity_id,
    actorName: r.actor_display_name,
    operation: r.operation,
    path: r.path,
    result: r.result,
    remoteAddress: r.remote_address,
    requestId: r.request_id,
    metadata: r.metadata,
    entry: r.entry,
    hash: r.hash,
  }));

export const headRowSchema = z.object({ seq: count, hash: z.string() });
export const seqRowSchema = z.object({ seq: count.nullable() });

/**
 * The WHERE clause and parameters of a query, for any SQL dialect: `param(value)` registers a
 * parameter and returns its placeholder ("?" or "$n"); `time(ms)` converts a time to the column's form.
 */
export function whereClause(
  q: AuditTableQuery,
  param: (value: unknown) => string,
  time: (ms: number) => unknown,
): string {
  const parts = [`device = ${param(q.device)}`];
  if (q.fromMs !== undefined) parts.push(`time >= ${param(time(q.fromMs))}`);
  if (q.toMs !== undefined) parts.push(`time <= ${param(time(q.toMs))}`);
  if (q.pathPrefix) parts.push(`substr(path, 1, ${param(q.pathPrefix.length)}) = ${param(q.pathPrefix)}`);
  const actors = q.actors;
  if (actors?.length) {
    const any = (column: string): string => `${column} IN (${actors.map((a) => param(a)).join(", ")})`;
    parts.push(`(${any("actor_accessor")} OR ${any("actor_entity_id")} OR ${any("actor_display_name")})`);
  }
  if (q.operation) parts.push(`operation = ${param(q.operation)}`);
  if (q.result) parts.push(`result = ${param(q.result)}`);
  if (q.namespace !== undefined) parts.push(`namespace = ${param(q.namespace)}`);
  if (q.type) parts.push(`type = ${param(q.type)}`);
  if (q.afterSeq !== undefined) parts.push(`seq > ${param(q.afterSeq)}`);
  if (q.beforeSeq !== undefined) parts.push(`seq < ${param(q.beforeSeq)}`);
  return parts.join(" AND ");
}

/** In-memory filtering with the same meaning as `whereClause`, for the memory table. */
export function matches(r: AuditTableRow, q: AuditTableQuery): boolean {
  const actors = q.actors;
  return (
    r.device === q.device &&
    (q.fromMs === undefined || r.timeMs >= q.fromMs) &&
    (q.toMs === undefined || r.timeMs <= q.toMs) &&
    (!q.pathPrefix || r.path.startsWith(q.pathPrefix)) &&
    (!actors?.length ||
      actors.includes(r.actorAccessor) ||
      actors.includes(r.actorEntityId) ||
      actors.includes(r.actorName)) &&
    (!q.operation || r.operation === q.operation) &&
    (!q.result || r.result === q.result) &&
    (q.namespace === undefined || r.namespace === q.namespace) &&
    (!q.type || r.type === q.type) &&
    (q.afterSeq === undefined || r.seq > q.afterSeq) &&
    (q.beforeSeq === undefined || r.seq < q.beforeSeq)
  );
}
