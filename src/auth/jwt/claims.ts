/**
 * Reading claims out of a verified JWT payload: by name, or by JSON pointer ("/a/b") for nested
 * claims, as Vault does; and matching them against a role's bound claims.
 */
import type { JWTPayload } from "jose";
import { globMatch } from "../../framework/glob.js";

/** The claim at `name` ("/a/b" is a JSON pointer), or undefined. */
export function claimAt(payload: JWTPayload, name: string): unknown {
  if (!name.startsWith("/")) return payload[name];
  let at: unknown = payload;
  for (const raw of name.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof at !== "object" || at === null) return undefined;
    at = Array.isArray(at) ? at[Number(key)] : Object.entries(at).find(([k]) => k === key)?.[1];
  }
  return at;
}

/** A scalar claim as text; undefined for objects, lists and absent claims. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * Whether the claim satisfies one of `accepted`: a scalar must equal (or glob-match) one of them; a
 * list claim passes when any of its scalars does.
 */
export function claimMatches(value: unknown, accepted: readonly string[], glob: boolean): boolean {
  const candidates = Array.isArray(value) ? value.map(scalarText) : [scalarText(value)];
  return candidates.some((c) => c !== undefined && accepted.some((a) => (glob ? globMatch(a, c) : a === c)));
}
