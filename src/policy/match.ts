// Compiles policies into an index of patterns and picks, for a request path, the one pattern that
// decides it — Vault's ACL rules exactly:
//   1. an exact pattern wins outright;
//   2. otherwise, among prefix ("...*") and segment ("+") patterns that match, the highest priority
//      wins. P1 loses to P2 when its first "+"/"*" comes earlier; then when it ends in "*" and P2 does
//      not; then when it has more "+" segments; then when it is shorter; then when it is
//      lexicographically smaller.
// Only the winning pattern applies (no merging across different patterns). The same pattern in
// several policies (or twice in one) keeps every rule, merged per request in check.ts.
import { type ConditionMatcher, compileConditions } from "./conditions.js";
import type { PathRule, Policy } from "./policy.js";

export interface Grant {
  readonly policy: string;
  readonly rule: PathRule;
  readonly conditions: ConditionMatcher | undefined;
}

export interface PatternEntry {
  readonly pattern: string;
  readonly kind: "exact" | "prefix" | "segment";
  /** Pattern without its trailing "*" (for prefix and segment-prefix patterns). */
  readonly wcPath: string;
  readonly isPrefix: boolean;
  /** Position of the first "+" or "*"; for exact patterns, the length. */
  readonly firstWildcard: number;
  readonly segments: readonly string[];
  readonly grants: Grant[];
}

export interface AclIndex {
  readonly exact: ReadonlyMap<string, PatternEntry>;
  /** Longest first, so the first prefix that matches is Vault's longest-prefix candidate. */
  readonly prefixes: readonly PatternEntry[];
  readonly segmentPatterns: readonly PatternEntry[];
}

function hasSegmentWildcards(path: string): boolean {
  return path === "+" || path.startsWith("+/") || path.includes("/+");
}

function describePattern(pattern: string): Omit<PatternEntry, "grants"> {
  if (hasSegmentWildcards(pattern)) {
    const isPrefix = pattern.endsWith("*");
    const wcPath = isPrefix ? pattern.slice(0, -1) : pattern;
    const firstWildcard = pattern.indexOf("+");
    return { pattern, kind: "segment", wcPath, isPrefix, firstWildcard, segments: wcPath.split("/") };
  }
  if (pattern.endsWith("*")) {
    const wcPath = pattern.slice(0, -1);
    const firstWildcard = wcPath.length;
    return { pattern, kind: "prefix", wcPath, isPrefix: true, firstWildcard, segments: [] };
  }
  const length = pattern.length;
  return { pattern, kind: "exact", wcPath: pattern, isPrefix: false, firstWildcard: length, segments: [] };
}

export function buildIndex(policies: readonly Policy[]): AclIndex {
  const entries = new Map<string, PatternEntry>();
  for (const policy of policies) {
    for (const rule of policy.rules) {
      const conditions = rule.conditions ? compileConditions(rule.conditions) : undefined;
      const grant: Grant = { policy: policy.name, rule, conditions };
      const existing = entries.get(rule.path);
      if (existing) existing.grants.push(grant);
      else entries.set(rule.path, { ...describePattern(rule.path), grants: [grant] });
    }
  }
  const all = [...entries.values()];
  return {
    exact: new Map(all.filter((e) => e.kind === "exact").map((e) => [e.pattern, e])),
    prefixes: all.filter((e) => e.kind === "prefix").sort((a, b) => b.wcPath.length - a.wcPath.length),
    segmentPatterns: all.filter((e) => e.kind === "segment"),
  };
}

/** True when `a` has lower priority than `b` (Vault's ordering; see the header). */
export function lowerPriority(
  a: PatternEntry,
  b: PatternEntry,
  wildcardsA: number,
  wildcardsB: number,
): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard < b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix;
  if (wildcardsA !== wildcardsB) return wildcardsA > wildcardsB;
  if (a.wcPath.length !== b.wcPath.length) return a.wcPath.length < b.wcPath.length;
  return a.wcPath < b.wcPath;
}

/** Number of "+" segments used when `entry` matches `parts`, or undefined when it does not match. */
function matchSegments(entry: PatternEntry, parts: readonly string[]): number | undefined {
  const pattern = entry.segments;
  if (parts.length < pattern.length) return undefined;
  if (!entry.isPrefix && parts.length !== pattern.length) return undefined;
  let wildcards = 0;
  for (const [i, segment] of pattern.entries()) {
    const part = parts[i] ?? "";
    const last = i === pattern.length - 1;
    if (segment === "+") wildcards += 1;
    else if (segment === part) continue;
    else if (!(entry.isPrefix && last && part.startsWith(segment))) return undefined;
  }
  return wildcards;
}

/** The highest-priority prefix or segment pattern matching `path`. */
function bestNonExact(index: AclIndex, path: string, best: Candidate | undefined): Candidate | undefined {
  const prefix = index.prefixes.find((e) => path.startsWith(e.wcPath));
  let winner = best;
  const consider = (entry: PatternEntry, wildcards: number): void => {
    if (!winner || lowerPriority(winner.entry, entry, winner.wildcards, wildcards)) {
      winner = { entry, wildcards };
    }
  };
  if (prefix) consider(prefix, 0);
  const parts = path.split("/");
  for (const entry of index.segmentPatterns) {
    const wildcards = matchSegments(entry, parts);
    if (wildcards !== undefined) consider(entry, wildcards);
  }
  return winner;
}

interface Candidate {
  readonly entry: PatternEntry;
  readonly wildcards: number;
}

/**
 * The pattern that decides `path`, or undefined when none matches (deny by default). LIST paths are
 * directories: as Vault's HTTP layer does, a trailing "/" is added, and patterns are matched against
 * both the "/" and the bare form ("secret/metadata/" or "secret/metadata", "+/metadata"); the
 * highest-priority match of either form decides.
 */
export function findPattern(index: AclIndex, path: string, list: boolean): PatternEntry | undefined {
  const forms = list ? [path.endsWith("/") ? path : `${path}/`] : [path];
  const full = forms[0] ?? path;
  if (list && full.length > 1) forms.push(full.slice(0, -1));
  for (const form of forms) {
    const exact = index.exact.get(form);
    if (exact) return exact;
  }
  let best: Candidate | undefined;
  for (const form of forms) best = bestNonExact(index, form, best);
  return best?.entry;
}
