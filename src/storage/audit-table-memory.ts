/** The audit table in memory: for the in-memory storage (dev mode) and unit tests. */
import { matches, type AuditTable, type AuditTableQuery, type AuditTableRow } from "./audit-table.js";

export class MemoryAuditTable implements AuditTable {
  private rows: AuditTableRow[] = [];

  append(rows: readonly AuditTableRow[]): Promise<void> {
    for (const r of rows) {
      if (
        this.rows.some((x) => x.device === r.device && x.seq === r.seq) ||
        rows.filter((x) => x.device === r.device && x.seq === r.seq).length > 1
      ) {
        return Promise.reject(new Error(`duplicate audit row ${r.device}#${r.seq}`));
      }
    }
    this.rows.push(...rows.map((r) => ({ ...r })));
    this.rows.sort((a, b) => a.seq - b.seq);
    return Promise.resolve();
  }

  head(device: string): Promise<{ seq: number; hash: string } | undefined> {
    const last = this.rows.filter((r) => r.device === device).at(-1);
    return Promise.resolve(last ? { seq: last.seq, hash: last.hash } : undefined);
  }

  scan(device: string, afterSeq: number, limit: number): Promise<AuditTableRow[]> {
    return Promise.resolve(this.rows.filter((r) => r.device === device && r.seq > afterSeq).slice(0, limit));
  }

  query(q: AuditTableQuery): Promise<AuditTableRow[]> {
    const hits = this.rows.filter((r) => matches(r, q));
    if (q.order === "desc") hits.reverse();
    return Promise.resolve(hits.slice(0, q.limit));
  }

  lastSeqBefore(device: string, timeMs: number): Promise<number | undefined> {
    const before = this.rows.filter((r) => r.device === device && r.timeMs < timeMs).at(-1);
    return Promise.resolve(before?.seq);
  }

  deleteThrough(device: string, seq: number): Promise<number> {
    const before = this.rows.length;
    this.rows = this.rows.filter((r) => r.device !== device || r.seq > seq);
    return Promise.resolve(before - this.rows.length);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
