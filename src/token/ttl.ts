/**
 * TTL arithmetic for tokens, after Vault's framework.CalculateTTL: the TTL granted at creation and at
 * renewal, capped by the period, explicit_max_ttl, the auth method's max TTL and the system max TTL.
 * Pure functions of their inputs; "now" is passed in from the store's clock.
 */
import { BadRequest } from "../core/errors.js";
import type { TokenEntry } from "./entry.js";

/** System-wide limits, in seconds (Vault's default_lease_ttl and max_lease_ttl, 768h each). */
export interface TtlLimits {
  readonly defaultTtl: number;
  readonly maxTtl: number;
}

export const DEFAULT_LIMITS: TtlLimits = { defaultTtl: 32 * 86400, maxTtl: 32 * 86400 };

export interface Granted {
  readonly ttl: number;
  readonly warnings: string[];
}

/** The smallest positive limit, or 0 when none is set. */
function tightest(...limits: number[]): number {
  const set = limits.filter((n) => n > 0);
  return set.length === 0 ? 0 : Math.min(...set);
}

function cappedWarning(requested: number, max: number): string {
  return `TTL of "${requested}s" exceeded the effective max_ttl of "${max}s"; TTL value is capped accordingly`;
}

export interface InitialTtlInput {
  readonly requested: number;
  readonly period: number;
  readonly explicitMaxTtl: number;
  /** The issuing auth method's max TTL; 0 = system max. */
  readonly maxTtl: number;
  readonly root: boolean;
}

/**
 * The TTL of a new token. Periodic tokens get their period (only explicit_max_ttl caps it); a root
 * token asking for no TTL never expires; everything else defaults to the system default TTL and is
 * capped by the tightest max.
 */
export function initialTtl(input: InitialTtlInput, limits: TtlLimits): Granted {
  if (input.period > 0) {
    return { ttl: tightest(input.period, input.explicitMaxTtl), warnings: [] };
  }
  if (input.requested === 0 && input.root) return { ttl: input.explicitMaxTtl, warnings: [] };
  const wanted = input.requested > 0 ? input.requested : limits.defaultTtl;
  const max = tightest(limits.maxTtl, input.maxTtl, input.explicitMaxTtl);
  if (max > 0 && wanted > max) {
    // Only warn about a TTL the caller asked for, not about the default being capped.
    return { ttl: max, warnings: input.requested > 0 ? [cappedWarning(wanted, max)] : [] };
  }
  return { ttl: wanted, warnings: [] };
}

/**
 * The TTL a renewal grants from `now`. The max TTLs count from creation, so renewals cannot outlive
 * them; a periodic token is reset to its period each time. Throws BadRequest when the token cannot be
 * renewed. A token that never expires is returned with `ttl: 0` (nothing to extend).
 */
export function renewedTtl(entry: TokenEntry, increment: number, now: number, limits: TtlLimits): Granted {
  if (!entry.renewable) throw new BadRequest("lease is not renewable");
  if (entry.period > 0) {
    if (entry.explicitMaxTtl === 0) return { ttl: entry.period, warnings: [] };
    const left = Math.floor((entry.creationTime + entry.explicitMaxTtl * 1000 - now) / 1000);
    if (left <= 0) throw new BadRequest("past the max TTL, cannot renew");
    return { ttl: Math.min(entry.period, left), warnings: [] };
  }
  if (entry.ttl === 0 && entry.explicitMaxTtl === 0) return { ttl: 0, warnings: [] };
  const wanted = increment > 0 ? increment : entry.creationTtl > 0 ? entry.creationTtl : limits.defaultTtl;
  const max = tightest(limits.maxTtl, entry.maxTtl, entry.explicitMaxTtl);
  if (max === 0) return { ttl: wanted, warnings: [] };
  const left = Math.floor((entry.creationTime + max * 1000 - now) / 1000);
  if (left <= 0) throw new BadRequest("past the max TTL, cannot renew");
  if (wanted > left) return { ttl: left, warnings: [cappedWarning(wanted, max)] };
  return { ttl: wanted, warnings: [] };
}
