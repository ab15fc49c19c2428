/**
 * Builds Vault-format audit entries (`type`, `time`, `auth`, `request`, `response`, `error`) from
 * the pipeline's records. Invariant: every value that could be secret (request and response data,
 * tokens, accessors unless `hmac_accessor=false`) leaves here only through the device's hasher.
 * Fields that are metadata in Vault's format (paths, policies, display names, remote address, token
 * metadata) stay in clear, as Vault writes them.
 */
import type { AuditRecord } from "../core/audit-port.js";
import type { AuthBlock, CallerToken, Response } from "../core/request.js";
import { toJson, type Json, type JsonObject } from "./json.js";
import { hashStrings, type Hasher } from "./salt.js";

export interface FormatOptions {
  readonly hash: Hasher;
  readonly hmacAccessor: boolean;
  readonly elideListResponses: boolean;
  /** The caller's token as the entry shows it, when the device can answer faster than `hash`. */
  readonly hashCallerToken?: (record: AuditRecord) => string | undefined;
  /** The same for an accessor. */
  readonly hashAccessor?: Hasher;
}

export type EntryType = "request" | "response";

function namespaceOf(ns: string): JsonObject {
  return ns === "" ? { id: "root" } : { id: ns, path: ns };
}

/** The caller's token and accessor as the entry shows them (computed once, used twice). */
interface CallerIds {
  clientToken?: string;
  accessor?: string;
}

// Every object below is built with its keys in sorted order: canonicalJson (the hash chain) then
// has nothing to reorder or copy. The line's text does not depend on it, only the cost does.

function callerAuth(token: CallerToken | undefined, ids: CallerIds): JsonObject {
  if (!token) return ids.clientToken === undefined ? {} : { client_token: ids.clientToken };
  const out: JsonObject = { accessor: ids.accessor ?? "" };
  if (ids.clientToken !== undefined) out.client_token = ids.clientToken;
  out.display_name = token.displayName;
  out.entity_id = token.entityId;
  out.metadata = Object.keys(token.metadata).length ? { ...token.metadata } : null;
  out.policies = [...token.policies];
  out.token_policies = [...token.policies];
  out.token_type = "service";
  return out;
}

function grantedAuth(auth: AuthBlock, o: FormatOptions): JsonObject {
  return {
    accessor: o.hmacAccessor ? o.hash(auth.accessor) : auth.accessor,
    client_token: o.hash(auth.client_token),
    entity_id: auth.entity_id,
    lease_duration: auth.lease_duration,
    metadata: auth.metadata ? { ...auth.metadata } : null,
    num_uses: auth.num_uses,
    policies: [...auth.policies],
    renewable: auth.renewable,
    token_policies: [...auth.token_policies],
    token_type: auth.token_type,
  };
}

/** Vault's elide_list_responses: list bodies become counts, so huge listings don't flood the log. */
function elided(data: Json): Json {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return data;
  const out: JsonObject = { ...data };
  const keys = out.keys;
  if (Array.isArray(keys)) out.keys = keys.length;
  const info = out.key_info;
  if (info !== null && typeof info === "object" && !Array.isArray(info))
    out.key_info = Object.keys(info).length;
  return out;
}

function responseBlock(record: AuditRecord, r: Response | undefined, o: FormatOptions): JsonObject {
  const req = record.request;
  const out: JsonObject = {};
  if (r?.auth) out.auth = grantedAuth(r.auth, o);
  if (r) {
    // A raw response (sys/init ...) bypasses the envelope: its body is what the client saw.
    let data: Json = toJson(r.raw ? r.raw.body : r.data);
    if (o.elideListResponses && req.operation === "list") data = elided(data);
    if (data !== null) out.data = hashStrings(data, o.hash);
    out.mount_point = req.mountPath;
    out.mount_type = req.mountType;
    if (r.secret)
      out.secret = { renewable: r.secret.renewable, ttl: r.secret.ttlSeconds, type: r.secret.type };
  }
  if (record.status !== undefined) out.status_code = record.status;
  if (r?.warnings?.length) out.warnings = [...r.warnings];
  return out;
}

/**
 * One entry, without the chain fields (the device adds `seq`, `prev_hash` and `hash`).
 * `time` is ISO 8601 with milliseconds, UTC.
 */
export function formatEntry(
  type: EntryType,
  record: AuditRecord,
  time: string,
  o: FormatOptions,
): JsonObject {
  const req = record.request;
  const token = req.caller.token;
  const ids: CallerIds = {};
  if (record.clientToken !== undefined) {
    ids.clientToken = o.hashCallerToken?.(record) ?? o.hash(record.clientToken);
  }
  if (token) ids.accessor = o.hmacAccessor ? (o.hashAccessor ?? o.hash)(token.accessor) : token.accessor;
  const request: JsonObject = {};
  if (ids.clientToken !== undefined) request.client_token = ids.clientToken;
  if (ids.accessor !== undefined) request.client_token_accessor = ids.accessor;
  const data = toJson(req.data);
  if (data !== null && typeof data === "object" && !Array.isArray(data) && Object.keys(data).length > 0) {
    request.data = hashStrings(data, o.hash);
  }
  request.id = req.id;
  request.mount_point = req.mountPath;
  request.mount_type = req.mountType;
  request.namespace = namespaceOf(req.caller.namespace);
  request.operation = req.operation;
  request.path = record.fullPath;
  request.remote_address = req.caller.remoteAddress;
  const entry: JsonObject = {
    auth: callerAuth(token, ids),
    error: type === "response" ? (record.error ?? "") : "",
    request,
  };
  if (type === "response") entry.response = responseBlock(record, record.response, o);
  entry.time = time;
  entry.type = type;
  return entry;
}
