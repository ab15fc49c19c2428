// The per-request decision. Given the pattern match.ts picked, keep the rules whose conditions hold,
// merge them (permissions.ts), then apply Vault's checks: deny, capability, wrapping TTL bounds,
// parameter constraints.
//
// Conditions (SecretHub's extension) are fail-closed:
// - An allow rule whose conditions do not hold contributes nothing to this request.
// - There is no fallback: the winning pattern is chosen from the patterns alone, as in Vault; if its
//   rules' conditions fail, the request gets nothing, even if a broader pattern would have granted.
// - A deny rule applies unless its conditions are known not to hold: an unusable remote address or
//   clock keeps the deny in force, so bad input can never lift a deny.
import { type PatternEntry, type AclIndex, findPattern } from "./match.js";
import type { ConditionName } from "./conditions.js";
import { type Permissions, mergeRule, parameterViolation } from "./permissions.js";
import type { Capability } from "./policy.js";

export type Operation = "create" | "read" | "update" | "patch" | "delete" | "list";

export interface CheckContext {
  /** The client's address as the socket saw it (IPv4, IPv6 or IPv4-mapped IPv6). */
  readonly remoteAddress: string;
  readonly now: Date;
  /** Request body (or query for reads); checked against parameter constraints. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** TTL of the requested response wrapping, if any; checked against min/max_wrapping_ttl. */
  readonly wrapTtlSeconds?: number;
}

export interface CheckResult {
  allowed: boolean;
  /** The winning rule grants sudo (root-protected paths also need `allowed`). */
  sudo: boolean;
  /** What the winning pattern grants this request: ["root"], ["deny"] or capability names. */
  capabilities: string[];
  /** Why the request was refused; names no parameter values. */
  reason?: string;
}

/** A compiled set of policies. Invariant: deny by default; pure, safe to share across requests. */
export interface Acl {
  readonly root: boolean;
  check(path: string, operation: Operation, ctx: CheckContext): CheckResult;
  /** sys/capabilities-self: ["root"], ["deny"] or the sorted capability names on `path`. */
  capabilities(path: string, ctx: CheckContext): string[];
}

const PARAMETER_OPERATIONS: ReadonlySet<Operation> = new Set(["read", "create", "update", "patch"]);

interface Resolution {
  readonly permissions: Permissions | undefined;
  readonly failedConditions: readonly ConditionName[];
}

function resolve(entry: PatternEntry, ctx: CheckContext): Resolution {
  let permissions: Permissions | undefined;
  const failed = new Set<ConditionName>();
  for (const grant of entry.grants) {
    const outcome = grant.conditions?.evaluate(ctx) ?? { state: "met", failed: [] };
    const denies = grant.rule.capabilities.includes("deny");
    const applies = outcome.state === "met" || (denies && outcome.state === "unknown");
    if (!applies) {
      for (const name of outcome.failed) failed.add(name);
      continue;
    }
    permissions = mergeRule(permissions, grant.rule);
  }
  return { permissions, failedConditions: [...failed] };
}

function sortedCapabilities(permissions: Permissions): Capability[] {
  return [...permissions.capabilities].sort();
}

/** Merged bounds may cross (min above max); then no TTL satisfies both and the request is refused. */
function wrappingViolation(permissions: Permissions, wrapTtl: number | undefined): string | undefined {
  const { minWrappingTtlSeconds: min, maxWrappingTtlSeconds: max } = permissions;
  if (max > 0 && (wrapTtl === undefined || wrapTtl > max))
    return "response wrapping TTL above max_wrapping_ttl";
  if (min > 0 && (wrapTtl === undefined || wrapTtl < min))
    return "response wrapping TTL below min_wrapping_ttl";
  return undefined;
}

function refuse(capabilities: string[], sudo: boolean, reason: string): CheckResult {
  return { allowed: false, sudo, capabilities, reason };
}

/**
 * What the pattern match decides for one (path, list?) pair, kept per compiled ACL: the winning entry
 * and, when none of its rules carries conditions, the merged permissions (then they do not depend on
 * the request). Saves the pattern search and the merge on every request to a hot path.
 */
interface Decided {
  readonly entry: PatternEntry | undefined;
  readonly resolved: Resolution | undefined;
}

/**
 * Paths remembered per compiled ACL; past this the memo starts over. Only paths up to MEMO_PATH
 * characters are kept: at most ~0.5 MB per ACL, whatever paths callers send.
 */
const MEMO_LIMIT = 1024;
const MEMO_PATH = 256;

function decide(index: AclIndex, memo: Map<string, Decided>, path: string, list: boolean): Decided {
  const key = list ? "L" + path : "N" + path;
  let decided = memo.get(key);
  if (decided === undefined) {
    const entry = findPattern(index, path, list);
    const unconditional = entry !== undefined && entry.grants.every((g) => g.conditions === undefined);
    decided = { entry, resolved: unconditional ? resolve(entry, NO_CONTEXT) : undefined };
    if (path.length <= MEMO_PATH) {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(key, decided);
    }
  }
  return decided;
}

/** Never read: `resolve` consults the context only for rules with conditions. */
const NO_CONTEXT: CheckContext = { remoteAddress: "", now: new Date(0) };

function checkIndex(decided: Decided, operation: Operation, ctx: CheckContext): CheckResult {
  const entry = decided.entry;
  if (!entry) return refuse([], false, "no policy grants access to this path");
  const { permissions, failedConditions } = decided.resolved ?? resolve(entry, ctx);
  if (!permissions) {
    return refuse([], false, `policy conditions not met (${failedConditions.join(", ")})`);
  }
  if (permissions.deny) return refuse(["deny"], false, "denied by policy");
  const capabilities = sortedCapabilities(permissions);
  const sudo = permissions.capabilities.has("sudo");
  if (!permissions.capabilities.has(operation)) {
    const unmet = failedConditions.length > 0 ? `; conditions not met (${failedConditions.join(", ")})` : "";
    return refuse(capabilities, sudo, `policy does not grant "${operation}" on this path${unmet}`);
  }
  const wrapping = wrappingViolation(permissions, ctx.wrapTtlSeconds);
  if (wrapping) return refuse(capabilities, sudo, wrapping);
  if (PARAMETER_OPERATIONS.has(operation)) {
    const violation = parameterViolation(permissions, ctx.data ?? {});
    if (violation) return refuse(capabilities, sudo, violation);
  }
  return { allowed: true, sudo, capabilities };
}

export function createAcl(root: boolean, index: AclIndex): Acl {
  const memo = new Map<string, Decided>();
  return {
    root,
    check(path, operation, ctx) {
      if (root) return { allowed: true, sudo: true, capabilities: ["root"] };
      return checkIndex(decide(index, memo, path, operation === "list"), operation, ctx);
    },
    capabilities(path, ctx) {
      if (root) return ["root"];
      const { entry, resolved } = decide(index, memo, path, false);
      const permissions = entry ? (resolved ?? resolve(entry, ctx)).permissions : undefined;
      if (!permissions || permissions.deny || permissions.capabilities.size === 0) return ["deny"];
      return sortedCapabilities(permissions);
    },
  };
}
