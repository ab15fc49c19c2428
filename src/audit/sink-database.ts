/**
 * The `database` device: one row per entry in a table of the server's own storage database, with
 * the columns operators filter on (time, namespace, actor, operation, path, result, remote address,
 * request id) and the full chained entry. Queried by `sys/audit/events`, verified by
 * `sys/audit/verify/:device`, pruned by the retention job.
 */
import type { AuditEventRow, AuditEventStore } from "./event-store.js";
import type { ChainedEntry, ChainHead } from "./hash-chain.js";
import { isJsonObject, type Json, type JsonObject } from "./json.js";
import type { ReadableSink } from "./sink.js";

const SCAN_PAGE = 1000;

function obj(v: Json | undefined): JsonObject {
  return isJsonObject(v) ? v : {};
}

function str(v: Json | undefined): string {
  return typeof v === "string" ? v : "";
}

/** The row columns, read from the (already HMAC'd) entry itself. */
export function rowOf(device: string, c: ChainedEntry): AuditEventRow {
  const e = c.entry;
  const auth = obj(e.auth);
  const request = obj(e.request);
  const response = obj(e.response);
  const type = str(e.type);
  const error = str(e.error);
  const namespace = obj(request.namespace);
  const timeMs = Date.parse(str(e.time));
  const metadata: JsonObject = {
    mount_type: request.mount_type ?? null,
    mount_point: request.mount_point ?? null,
    policies: auth.policies ?? null,
  };
  if (type === "response") {
    metadata.status_code = response.status_code ?? null;
    if (error) metadata.error = error;
  }
  if (type === "prune") metadata.prune = e.prune ?? null;
  return {
    device,
    seq: c.seq,
    timeMs: Number.isFinite(timeMs) ? timeMs : 0,
    type,
    namespace: str(namespace.path).replace(/\/+$/, ""),
    actorAccessor: str(auth.accessor),
    actorEntityId: str(auth.entity_id),
    actorName: str(auth.display_name),
    operation: str(request.operation),
    path: str(request.path),
    result: type === "response" ? (error ? "error" : "success") : "",
    remoteAddress: str(request.remote_address),
    requestId: str(request.id),
    metadata: JSON.stringify(metadata),
    entry: c.json,
    hash: c.hash,
  };
}

export class DatabaseSink implements ReadableSink {
  constructor(
    private readonly table: AuditEventStore,
    private readonly device: string,
  ) {}

  open(): Promise<ChainHead | undefined> {
    return this.table.head(this.device);
  }

  write(entries: readonly ChainedEntry[]): Promise<void> {
    return this.table.append(entries.map((c) => rowOf(this.device, c)));
  }

  /** The table belongs to the server; the device holds nothing of its own to close. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  async *readBack(): AsyncIterable<{ text: string; line: number }> {
    let after = 0;
    let line = 0;
    for (;;) {
      const rows = await this.table.scan(this.device, after, SCAN_PAGE);
      for (const r of rows) yield { text: r.entry, line: ++line };
      const last = rows.at(-1);
      if (!last || rows.length < SCAN_PAGE) return;
      after = last.seq;
    }
  }
}
