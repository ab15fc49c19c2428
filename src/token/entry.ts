/**
 * The stored token entry and the pure rules around it: policy normalisation, display names, expiry and
 * the wire shapes (Vault's lookup data and auth block). No storage here; the store (store.ts) owns that.
 */
import { z } from "zod";
import { sha256Hex } from "../crypto/hmac.js";
import type { AuthBlock, CallerToken } from "../core/request.js";

/** `numUses` of a token whose last use is in flight: refused by lookup, revoked after its request. */
export const SPENT = -1;

const seconds = z.number().int().nonnegative();

/**
 * Invariant: an entry never holds the token id, only `idHash` (sha256 hex of the id), which is also its
 * storage key. Times are epoch milliseconds; durations are whole seconds, 0 meaning "none".
 */
export const tokenEntrySchema = z.object({
  idHash: z.string().regex(/^[0-9a-f]{64}$/),
  accessor: z.string().min(1),
  /** Sorted, deduplicated, lower-case. */
  policies: z.array(z.string()),
  meta: z.record(z.string(), z.string()),
  displayName: z.string(),
  /** Creation path, e.g. "auth/token/create" or "auth/userpass/login/alice". */
  path: z.string(),
  creationTime: seconds,
  /** TTL granted at creation; 0 for a token that never expires. */
  creationTtl: seconds,
  /** TTL granted at creation or at the last renewal, counted from `lastRenewalTime || creationTime`. */
  ttl: seconds,
  lastRenewalTime: seconds,
  explicitMaxTtl: seconds,
  /** The issuing auth method's max TTL (counted from creation); 0 means the system maximum. */
  maxTtl: seconds,
  period: seconds,
  /** 0 = unlimited; n > 0 uses left; SPENT (-1) = last use in flight. */
  numUses: z.number().int().min(SPENT),
  renewable: z.boolean(),
  orphan: z.boolean(),
  /** idHash of the parent token; "" for orphans. */
  parentHash: z.string(),
  type: z.literal("service"),
  entityId: z.string(),
  boundCidrs: z.array(z.string()),
  namespace: z.string(),
});

export type TokenEntry = Readonly<z.infer<typeof tokenEntrySchema>>;

export function parseTokenEntry(raw: unknown): TokenEntry {
  return tokenEntrySchema.parse(raw);
}

/**
 * Vault's policy normalisation: trimmed, lower-case, deduplicated, sorted; "default" is added when
 * `addDefault` unless the set holds "root" (a root token carries no default policy).
 */
export function sanitizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  const set = new Set(policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== ""));
  if (addDefault && !set.has("root")) set.add("default");
  return [...set].sort();
}

export function isRootPolicySet(policies: readonly string[]): boolean {
  return policies.includes("root");
}

/** "token" or "token-<name>", with Vault's sanitising (anything but [A-Za-z0-9-] becomes "-"). */
export function tokenDisplayName(name: string | undefined): string {
  if (!name) return "token";
  return `token-${name}`.replace(/[^a-zA-Z0-9-]/g, "-").replace(/-+$/, "");
}

/** Vault's login display name: the mount path (without "auth/", "/" as "-") prefixed to the method's. */
export function loginDisplayName(mountPath: string, name: string): string {
  const source = mountPath.replace(/^auth\//, "").replaceAll("/", "-");
  return `${source}${name}`.replace(/-+$/, "");
}

/**
 * A stable entity id per (mount, alias) until an identity store exists: the same login identity always
 * maps to the same UUID-shaped id, so `{{identity.entity.id}}` templating has something steady to use.
 */
export function entityIdFor(mountPath: string, aliasName: string): string {
  if (!aliasName) return "";
  const h = sha256Hex(`${mountPath}\u0000${aliasName}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** When the token stops being valid (epoch ms), or undefined for a token that never expires. */
export function expiresAt(entry: TokenEntry): number | undefined {
  let at: number | undefined;
  if (entry.ttl > 0) at = (entry.lastRenewalTime || entry.creationTime) + entry.ttl * 1000;
  if (entry.explicitMaxTtl > 0) {
    const hardStop = entry.creationTime + entry.explicitMaxTtl * 1000;
    at = at === undefined ? hardStop : Math.min(at, hardStop);
  }
  return at;
}

export function isExpired(entry: TokenEntry, now: number): boolean {
  const at = expiresAt(entry);
  return at !== undefined && now >= at;
}

/** Seconds left before expiry; 0 for a token that never expires. */
export function remainingSeconds(entry: TokenEntry, now: number): number {
  const at = expiresAt(entry);
  return at === undefined ? 0 : Math.max(0, Math.round((at - now) / 1000));
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

function metaOrNull(meta: Readonly<Record<string, string>>): Record<string, string> | null {
  return Object.keys(meta).length === 0 ? null : { ...meta };
}

/**
 * The `data` of auth/token/lookup*, as Vault shapes it. `token` is echoed as `id` (lookup, lookup-self);
 * lookups by accessor pass nothing and get `id: ""`, as Vault answers.
 */
export function lookupData(entry: TokenEntry, now: number, token?: string): Record<string, unknown> {
  const at = expiresAt(entry);
  const data: Record<string, unknown> = {
    accessor: entry.accessor,
    creation_time: Math.floor(entry.creationTime / 1000),
    creation_ttl: entry.creationTtl,
    display_name: entry.displayName,
    entity_id: entry.entityId,
    expire_time: at === undefined ? null : rfc3339(at),
    explicit_max_ttl: entry.explicitMaxTtl,
    id: token ?? "",
    issue_time: rfc3339(entry.creationTime),
    meta: metaOrNull(entry.meta),
    num_uses: entry.numUses,
    orphan: entry.orphan,
    path: entry.path,
    policies: [...entry.policies],
    renewable: entry.renewable,
    ttl: remainingSeconds(entry, now),
    type: entry.type,
  };
  if (entry.period > 0) data.period = entry.period;
  if (entry.lastRenewalTime > 0) {
    data.last_renewal_time = Math.floor(entry.lastRenewalTime / 1000);
    data.last_renewal = rfc3339(entry.lastRenewalTime);
  }
  if (entry.boundCidrs.length > 0) data.bound_cidrs = [...entry.boundCidrs];
  return data;
}

/** The envelope's `auth` block right after a create, login or renew (lease_duration = granted TTL). */
export function authBlock(token: string, entry: TokenEntry): AuthBlock {
  return {
    client_token: token,
    accessor: entry.accessor,
    policies: [...entry.policies],
    token_policies: [...entry.policies],
    identity_policies: null,
    metadata: metaOrNull(entry.meta),
    lease_duration: entry.ttl,
    renewable: entry.renewable && expiresAt(entry) !== undefined,
    entity_id: entry.entityId,
    token_type: entry.type,
    orphan: entry.orphan,
    mfa_requirement: null,
    num_uses: Math.max(0, entry.numUses),
  };
}

/** One caller record per (frozen, cached) entry object: built once, not on every request. */
const callers = new WeakMap<TokenEntry, CallerToken>();

/**
 * What the pipeline exposes to ACL checks and backends. Invariant: never carries the token id. Frozen
 * and shared by every request the same cached entry serves (its policy list is a stable cache key).
 */
export function toCallerToken(entry: TokenEntry): CallerToken {
  let caller = callers.get(entry);
  if (caller === undefined) {
    caller = Object.freeze({
      accessor: entry.accessor,
      policies: Object.freeze([...entry.policies]),
      displayName: entry.displayName,
      entityId: entry.entityId,
      metadata: Object.freeze({ ...entry.meta }),
      idHash: entry.idHash,
      orphan: entry.orphan,
      boundCidrs: Object.freeze([...entry.boundCidrs]),
    });
    callers.set(entry, caller);
  }
  return caller;
}
