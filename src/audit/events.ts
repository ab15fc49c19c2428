/**
 * `GET sys/audit/events` (SecretHub extension): the wire query of the database device's table, and
 * how a row is presented. Results are newest first by default, paginated by an opaque cursor.
 */
import { BadRequest } from "../core/errors.js";
import type { AuditEventQuery, AuditEventRow } from "./event-store.js";
import { toJson, type Json, type JsonObject } from "./json.js";

export interface AuditEventsRequest {
  readonly device?: string;
  /** RFC 3339 time or unix seconds, inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly pathPrefix?: string;
  /** A display name, entity id or token accessor (matched in clear and as this device's HMAC). */
  readonly actor?: string;
  readonly operation?: string;
  readonly result?: string;
  readonly namespace?: string;
  /** "response" (default), "request", "prune" or "all". */
  readonly type?: string;
  readonly cursor?: string;
  readonly order?: string;
  readonly limit?: number;
}

export type AuditEventsPage = { events: JsonObject[]; next_cursor: string | null };

const OPERATIONS = new Set(["create", "read", "update", "patch", "delete", "list"]);
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

function timeOf(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw new BadRequest(`invalid time for "${name}": RFC 3339 or unix seconds`);
  return ms;
}

function oneOf(value: string | undefined, allowed: ReadonlySet<string>, name: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!allowed.has(value))
    throw new BadRequest(`invalid ${name} "${value}": one of ${[...allowed].join(", ")}`);
  return value;
}

/** The root namespace is stored as "" and may be asked for as "root". */
function namespaceOf(value: string): string {
  const ns = value.replace(/^\/+|\/+$/g, "");
  return ns === "root" ? "" : ns;
}

/** The store query for `device`; `actorForms` are the forms an actor may be stored under. */
export function eventQuery(
  device: string,
  r: AuditEventsRequest,
  actorForms: readonly string[],
): AuditEventQuery {
  const limit = r.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new BadRequest(`limit must be between 1 and ${MAX_LIMIT}`);
  }
  const order = oneOf(r.order, new Set(["asc", "desc"]), "order") === "asc" ? "asc" : "desc";
  let cursor: number | undefined;
  if (r.cursor !== undefined && r.cursor !== "") {
    cursor = Number(r.cursor);
    if (!Number.isSafeInteger(cursor) || cursor < 0) throw new BadRequest("invalid cursor");
  }
  const type = r.type ?? "response";
  const fromMs = timeOf(r.from, "from");
  const toMs = timeOf(r.to, "to");
  const operation = oneOf(r.operation, OPERATIONS, "operation");
  const result = oneOf(r.result, new Set(["success", "error"]), "result");
  return {
    device,
    order,
    limit,
    ...(fromMs === undefined ? {} : { fromMs }),
    ...(toMs === undefined ? {} : { toMs }),
    ...(r.pathPrefix ? { pathPrefix: r.pathPrefix.replace(/^\/+/, "") } : {}),
    ...(r.actor ? { actors: actorForms } : {}),
    ...(operation ? { operation } : {}),
    ...(result ? { result } : {}),
    ...(r.namespace !== undefined && r.namespace !== "" ? { namespace: namespaceOf(r.namespace) } : {}),
    ...(type === "all"
      ? {}
      : { type: oneOf(type, new Set(["request", "response", "prune"]), "type") ?? "response" }),
    ...(cursor === undefined ? {} : order === "asc" ? { afterSeq: cursor } : { beforeSeq: cursor }),
  };
}

function parsed(text: string): Json {
  try {
    return toJson(JSON.parse(text));
  } catch {
    return null;
  }
}

export function presentEvent(row: AuditEventRow): JsonObject {
  return {
    seq: row.seq,
    time: new Date(row.timeMs).toISOString(),
    type: row.type,
    namespace: row.namespace,
    actor: { accessor: row.actorAccessor, entity_id: row.actorEntityId, display_name: row.actorName },
    operation: row.operation,
    path: row.path,
    result: row.result,
    remote_address: row.remoteAddress,
    request_id: row.requestId,
    metadata: parsed(row.metadata),
    entry: parsed(row.entry),
  };
}

export function page(rows: readonly AuditEventRow[], limit: number): AuditEventsPage {
  const last = rows.at(-1);
  return {
    events: rows.map(presentEvent),
    next_cursor: last && rows.length === limit ? String(last.seq) : null,
  };
}
