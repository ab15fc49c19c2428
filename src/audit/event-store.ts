/**
 * What the `database` device needs of its table: the port audit/ defines and storage/audit-table-*.ts
 * implement (SQLite by default, PostgreSQL when that is the storage). One row per entry; `entry` is
 * the full chained JSON line, so the chain can be verified from the table alone.
 * Invariants: `append` stores all rows or none; (device, seq) is unique; scans are in seq order.
 */

export interface AuditEventRow {
  readonly device: string;
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly timeMs: number;
  /** "request", "response" or "prune". */
  readonly type: string;
  readonly namespace: string;
  readonly actorAccessor: string;
  readonly actorEntityId: string;
  readonly actorName: string;
  readonly operation: string;
  readonly path: string;
  /** "success" or "error" for responses; "" otherwise. */
  readonly result: string;
  readonly remoteAddress: string;
  readonly requestId: string;
  /** JSON object text: mount, policies, status, error. */
  readonly metadata: string;
  readonly entry: string;
  readonly hash: string;
}

export interface AuditEventQuery {
  readonly device: string;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly pathPrefix?: string;
  /** Matches accessor, entity id or display name against any of these. */
  readonly actors?: readonly string[];
  readonly operation?: string;
  readonly result?: string;
  readonly namespace?: string;
  readonly type?: string;
  /** Cursor: only rows after (asc) or before (desc) this seq. */
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly order: "asc" | "desc";
  readonly limit: number;
}

export interface AuditEventStore {
  append(rows: readonly AuditEventRow[]): Promise<void>;
  /** The highest-seq row of `device`. */
  head(device: string): Promise<{ seq: number; hash: string } | undefined>;
  /** Rows of `device` with seq > afterSeq, ascending, at most `limit`. */
  scan(device: string, afterSeq: number, limit: number): Promise<AuditEventRow[]>;
  query(q: AuditEventQuery): Promise<AuditEventRow[]>;
  /** The highest seq of `device` with a time before `timeMs`. */
  lastSeqBefore(device: string, timeMs: number): Promise<number | undefined>;
  /** Deletes the rows of `device` with seq <= `seq`; returns how many. */
  deleteThrough(device: string, seq: number): Promise<number>;
  close(): Promise<void>;
}
