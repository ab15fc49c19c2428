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
}

export type EntryType = "request" | "response";

function namespaceOf(ns: string): JsonObject {
  return ns === "" ? { id: "root" } : { id: ns, path: ns };
}

/** The caller's token and accessor as the entry shows them (computed once, used twice). */
interface CallerIds {
  readonly clientToken?: string;
  readonly accessor?: string;
}

function callerAuth(token: CallerToken | undefined, ids: CallerIds): JsonObject {
  const out: JsonObject = {};
  if (ids.clientToken !== undefined) out.client_token = ids.clientToken;
  if (!token) return out;
  out.accessor = ids.accessor ?? "";
  out.display_name = token.displayName;
  out.policies = [...token.policies];
  out.token_policies = [...token.policies];
  out.metadata = Object.keys(token.metadata).length ? { ...token.metadata } : null;
  out.entity_id = token.entityId;
  out.token_type = "service";
  return out;
}

function grantedAuth(auth: AuthBlock, o: FormatOptions): JsonObject {
  return {
    client_token: o.hash(auth.client_token),
    accessor: o.hmacAccessor ? o.hash(auth.accessor) : auth.accessor,
    policies: [...auth.policies],
    token_policies: [...auth.token_policies],
    metadata: auth.metadata ? { ...auth.metadata } : null,
    entity_id: auth.entity_id,
    token_type: auth.token_type,
    lease_duration: auth.lease_duration,
    renewable: auth.renewable,
    num_uses: auth.num_uses,
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

function responseBlock(record: AuditRecord, r: Response, o: FormatOptions): JsonObject {
  const req = record.request;
  const out: JsonObject = { mount_type: req.mountType, mount_point: req.mountPath };
  // A raw response (sys/init ...) bypasses the envelope: its body is what the client saw.
  let data: Json = toJson(r.raw ? r.raw.body : r.data);
  if (o.elideListResponses && req.operation === "list") data = elided(data);
  if (data !== null) out.data = hashStrings(data, o.hash);
  if (r.auth) out.auth = grantedAuth(r.auth, o);
  if (r.secret) out.secret = { type: r.secret.type, ttl: r.secret.ttlSeconds, renewable: r.secret.renewable };
  if (r.warnings?.length) out.warnings = [...r.warnings];
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
  const ids: CallerIds = {
    ...(record.clientToken === undefined ? {} : { clientToken: o.hash(record.clientToken) }),
    ...(token ? { accessor: o.hmacAccessor ? o.hash(token.accessor) : token.accessor } : {}),
  };
  const request: JsonObject = {
    id: req.id,
    operation: req.operation,
    mount_type: req.mountType,
    mount_point: req.mountPath,
    path: record.fullPath,
    namespace: namespaceOf(req.caller.namespace),
    remote_address: req.caller.remoteAddress,
  };
  if (ids.clientToken !== undefined) request.client_token = ids.clientToken;
  if (ids.accessor !== undefined) request.client_token_accessor = ids.accessor;
  const data = toJson(req.data);
  if (data !== null && typeof data === "object" && !Array.isArray(data) && Object.keys(data).length > 0) {
    request.data = hashStrings(data, o.hash);
  }
  const entry: JsonObject = {
    time,
    type,
    auth: callerAuth(token, ids),
    request,
  };
  if (type === "response") {
    const response: JsonObject = record.response ? responseBlock(record, record.response, o) : {};
    if (record.status !== undefined) response.status_code = record.status;
    entry.response = response;
  }
  entry.error = type === "response" ? (record.error ?? "") : "";
  return entry;
}
