/**
 * The token settings every login-capable auth method shares (Vault's `tokenutil`): field specs with
 * the current `token_*` names and their deprecated aliases (`policies`, `ttl`, `max_ttl`, `period`,
 * `num_uses`, `bound_cidrs`), merging on update, the read-back shape, and the AuthGrant they produce.
 * Also the CIDR checks auth methods make against the caller's address.
 */
import { BlockList, isIP } from "node:net";
import { z } from "zod";
import { BadRequest } from "../core/errors.js";
import type { AuthGrant } from "../core/request.js";
import type { Values } from "./fields.js";

export const tokenFields = {
  token_policies: { type: "strings", description: "Policies of tokens issued by this login." },
  policies: { type: "strings", description: "Deprecated alias of token_policies." },
  token_ttl: { type: "duration", description: "Initial TTL of issued tokens." },
  ttl: { type: "duration", description: "Deprecated alias of token_ttl." },
  token_max_ttl: { type: "duration", description: "Maximum lifetime of issued tokens." },
  max_ttl: { type: "duration", description: "Deprecated alias of token_max_ttl." },
  token_explicit_max_ttl: { type: "duration", description: "Hard cap renewals cannot pass." },
  token_period: { type: "duration", description: "Makes issued tokens periodic." },
  period: { type: "duration", description: "Deprecated alias of token_period." },
  token_num_uses: { type: "int", description: "Uses per issued token; 0 is unlimited." },
  num_uses: { type: "int", description: "Deprecated alias of token_num_uses (not on AppRole)." },
  token_bound_cidrs: { type: "strings", description: "Addresses allowed to use issued tokens." },
  bound_cidrs: { type: "strings", description: "Deprecated alias of token_bound_cidrs." },
  token_no_default_policy: { type: "bool", description: "Do not attach the default policy." },
  token_type: { type: "string", description: 'Only "service" (or "default") is supported.' },
} as const;

export type TokenFieldValues = Values<typeof tokenFields>;

export const tokenSettingsSchema = z.object({
  policies: z.array(z.string()),
  ttl: z.number(),
  maxTtl: z.number(),
  explicitMaxTtl: z.number(),
  period: z.number(),
  numUses: z.number(),
  boundCidrs: z.array(z.string()),
  noDefaultPolicy: z.boolean(),
});

/** What a role or user stores about the tokens its logins receive; seconds throughout. */
export type TokenSettings = z.infer<typeof tokenSettingsSchema>;

export const DEFAULT_TOKEN_SETTINGS: TokenSettings = {
  policies: [],
  ttl: 0,
  maxTtl: 0,
  explicitMaxTtl: 0,
  period: 0,
  numUses: 0,
  boundCidrs: [],
  noDefaultPolicy: false,
};

/**
 * Applies the fields present in a write to `current`: the `token_*` name wins over its alias, and
 * absent fields keep their value (Vault's update semantics). `allowNumUsesAlias` is false for
 * AppRole, whose secret-id endpoints use `num_uses` for something else.
 */
export function applyTokenFields(
  current: TokenSettings,
  v: TokenFieldValues,
  opts: { allowNumUsesAlias?: boolean } = {},
): TokenSettings {
  const type = v.token_type?.trim().toLowerCase();
  if (type && type !== "service" && type !== "default" && type !== "default-service") {
    throw new BadRequest(
      `token_type "${type.slice(0, 20)}" is not supported: only service tokens are issued`,
    );
  }
  const numUses = v.token_num_uses ?? (opts.allowNumUsesAlias === false ? undefined : v.num_uses);
  if (numUses !== undefined && numUses < 0) throw new BadRequest("token_num_uses cannot be negative");
  const boundCidrs = v.token_bound_cidrs ?? v.bound_cidrs;
  if (boundCidrs) checkCidrs(boundCidrs, "token_bound_cidrs");
  const next: TokenSettings = {
    policies: withPolicies(current, v.token_policies ?? v.policies ?? current.policies).policies,
    ttl: v.token_ttl ?? v.ttl ?? current.ttl,
    maxTtl: v.token_max_ttl ?? v.max_ttl ?? current.maxTtl,
    explicitMaxTtl: v.token_explicit_max_ttl ?? current.explicitMaxTtl,
    period: v.token_period ?? v.period ?? current.period,
    numUses: numUses ?? current.numUses,
    boundCidrs: boundCidrs ?? current.boundCidrs,
    noDefaultPolicy: v.token_no_default_policy ?? current.noDefaultPolicy,
  };
  if (next.maxTtl > 0 && next.ttl > next.maxTtl) {
    throw new BadRequest("token_ttl should not be greater than token_max_ttl");
  }
  return next;
}

/** Replaces the policies, normalised as Vault does (trimmed, lower-case, no duplicates); never root. */
export function withPolicies(current: TokenSettings, policies: readonly string[]): TokenSettings {
  const normalised = [...new Set(policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== ""))];
  if (normalised.includes("root")) throw new BadRequest("auth methods cannot issue root tokens");
  return { ...current, policies: normalised };
}

/** The read-back fields, Vault's current names plus the deprecated ones older clients read. */
export function tokenSettingsData(s: TokenSettings): Record<string, unknown> {
  return {
    token_policies: [...s.policies],
    policies: [...s.policies],
    token_ttl: s.ttl,
    ttl: s.ttl,
    token_max_ttl: s.maxTtl,
    max_ttl: s.maxTtl,
    token_explicit_max_ttl: s.explicitMaxTtl,
    token_period: s.period,
    period: s.period,
    token_num_uses: s.numUses,
    token_bound_cidrs: [...s.boundCidrs],
    token_no_default_policy: s.noDefaultPolicy,
    token_type: "default",
  };
}

/** The token part of a login's AuthGrant. */
export function tokenGrant(
  s: TokenSettings,
): Pick<
  AuthGrant,
  | "policies"
  | "ttlSeconds"
  | "maxTtlSeconds"
  | "period"
  | "numUses"
  | "renewable"
  | "noDefaultPolicy"
  | "boundCidrs"
> {
  return {
    policies: [...s.policies],
    ttlSeconds: s.ttl,
    maxTtlSeconds:
      s.explicitMaxTtl > 0 && (s.maxTtl === 0 || s.explicitMaxTtl < s.maxTtl) ? s.explicitMaxTtl : s.maxTtl,
    period: s.period,
    numUses: s.numUses,
    renewable: true,
    noDefaultPolicy: s.noDefaultPolicy,
    boundCidrs: [...s.boundCidrs],
  };
}

interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

/** "10.0.0.0/8", "2001:db8::/32" or a bare address; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const max = version === 4 ? 32 : 128;
  if (slash === -1) return { address, prefix: max, family: version === 4 ? "ipv4" : "ipv6" };
  const bits = trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return { address, prefix: Number(bits), family: version === 4 ? "ipv4" : "ipv6" };
}

/** Throws BadRequest naming the field when any entry is not an address or CIDR block. */
export function checkCidrs(cidrs: readonly string[], field: string): void {
  for (const c of cidrs) {
    if (!parseCidr(c)) throw new BadRequest(`invalid CIDR block "${c.slice(0, 64)}" in ${field}`);
  }
}

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const parsed = parseCidr(c);
    if (parsed) list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

/**
 * Whether `remote` lies in one of `cidrs`; an empty list allows everyone. Invariant: an address that
 * cannot be parsed never matches a non-empty list (fail closed).
 */
export function addressAllowed(cidrs: readonly string[], remote: string): boolean {
  if (cidrs.length === 0) return true;
  const bare = remote.includes("%") ? remote.slice(0, remote.indexOf("%")) : remote;
  const version = isIP(bare);
  if (version === 0) return false;
  return blockList(cidrs).check(bare, version === 4 ? "ipv4" : "ipv6");
}

/** Whether every block of `inner` lies inside some block of `outer` (an empty `outer` holds all). */
export function cidrsWithin(inner: readonly string[], outer: readonly string[]): boolean {
  if (outer.length === 0) return true;
  const parsedOuter = outer.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  return inner.every((text) => {
    const c = parseCidr(text);
    if (!c) return false;
    return parsedOuter.some(
      (o) =>
        o.family === c.family &&
        o.prefix <= c.prefix &&
        blockList([`${o.address}/${o.prefix}`]).check(c.address, c.family),
    );
  });
}
