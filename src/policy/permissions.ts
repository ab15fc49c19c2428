// The permissions of one pattern for one request: the rules of every policy that share the pattern
// (and whose conditions hold), merged as Vault merges them, and the parameter constraints checked
// against request data as Vault checks them.
import type { Capability, PathRule } from "./policy.js";

export interface Permissions {
  deny: boolean;
  readonly capabilities: Set<Capability>;
  requiredParameters: string[];
  allowedParameters: Map<string, unknown[]>;
  deniedParameters: Map<string, unknown[]>;
  minWrappingTtlSeconds: number;
  maxWrappingTtlSeconds: number;
}

function copyConstraints(source: ReadonlyMap<string, readonly unknown[]>): Map<string, unknown[]> {
  return new Map([...source].map(([key, values]) => [key, [...values]]));
}

/** `[]` (any value) absorbs a list; two lists concatenate. */
function mergeConstraints(
  into: Map<string, unknown[]>,
  from: ReadonlyMap<string, readonly unknown[]>,
): Map<string, unknown[]> {
  if (into.size === 0) return copyConstraints(from);
  for (const [key, values] of from) {
    const existing = into.get(key);
    if (values.length === 0 || (existing !== undefined && existing.length === 0)) into.set(key, []);
    else into.set(key, [...values, ...(existing ?? [])]);
  }
  return into;
}

/** Lower non-zero wrapping TTL wins: the merge keeps the most restrictive lifetime. */
function lowerTtl(current: number, next: number): number {
  return next > 0 && (current === 0 || next < current) ? next : current;
}

/** Adds `rule` to `into` (or starts a new set). Invariant: once denied, nothing is added back. */
export function mergeRule(into: Permissions | undefined, rule: PathRule): Permissions {
  const denies = rule.capabilities.includes("deny");
  if (!into) {
    return {
      deny: denies,
      capabilities: new Set(denies ? [] : rule.capabilities),
      requiredParameters: [...rule.requiredParameters],
      allowedParameters: copyConstraints(rule.allowedParameters),
      deniedParameters: copyConstraints(rule.deniedParameters),
      minWrappingTtlSeconds: rule.minWrappingTtlSeconds,
      maxWrappingTtlSeconds: rule.maxWrappingTtlSeconds,
    };
  }
  if (into.deny) return into;
  if (denies) {
    into.deny = true;
    into.capabilities.clear();
    into.allowedParameters = new Map();
    into.deniedParameters = new Map();
    return into;
  }
  for (const capability of rule.capabilities) into.capabilities.add(capability);
  into.minWrappingTtlSeconds = lowerTtl(into.minWrappingTtlSeconds, rule.minWrappingTtlSeconds);
  into.maxWrappingTtlSeconds = lowerTtl(into.maxWrappingTtlSeconds, rule.maxWrappingTtlSeconds);
  if (rule.allowedParameters.size > 0) {
    into.allowedParameters = mergeConstraints(into.allowedParameters, rule.allowedParameters);
  }
  if (rule.deniedParameters.size > 0) {
    into.deniedParameters = mergeConstraints(into.deniedParameters, rule.deniedParameters);
  }
  for (const name of rule.requiredParameters) {
    if (!into.requiredParameters.includes(name)) into.requiredParameters.push(name);
  }
  return into;
}

/** Vault's value globs: a leading and/or trailing "*"; anything shorter than 2 chars is literal. */
function globMatches(pattern: string, value: string): boolean {
  if (pattern.length < 2) return pattern === value;
  const leading = pattern.startsWith("*");
  const trailing = pattern.endsWith("*");
  if (leading && trailing) return value.includes(pattern.slice(1, -1));
  if (leading) return value.endsWith(pattern.slice(1));
  if (trailing) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null) {
    if (Array.isArray(a) || Array.isArray(b)) return false;
    const keysA = Object.keys(a);
    const keysB = new Set(Object.keys(b));
    return (
      keysA.length === keysB.size &&
      keysA.every((key) => keysB.has(key) && deepEqual(Reflect.get(a, key), Reflect.get(b, key)))
    );
  }
  return false;
}

function valueMatches(value: unknown, listed: unknown): boolean {
  if (typeof value === "string" && typeof listed === "string") return globMatches(listed, value);
  return deepEqual(value, listed);
}

/**
 * `[]` permits any value. A list-valued request parameter is checked element by element: allowed
 * only if every element is listed, denied if any element is.
 */
function valueListed(value: unknown, list: readonly unknown[], mode: "allowed" | "denied"): boolean {
  if (list.length === 0) return true;
  const one = (item: unknown): boolean => list.some((listed) => valueMatches(item, listed));
  if (one(value)) return true;
  if (!Array.isArray(value)) return false;
  return mode === "allowed" ? value.every(one) : value.some(one);
}

/** Vault's parameter checks; returns the reason for refusing, or undefined when they pass. */
export function parameterViolation(
  permissions: Permissions,
  data: Readonly<Record<string, unknown>>,
): string | undefined {
  for (const name of permissions.requiredParameters) {
    if (!Object.hasOwn(data, name.toLowerCase())) return `missing required parameter "${name}"`;
  }
  const entries = Object.entries(data);
  if (entries.length === 0) return undefined;

  const denied = permissions.deniedParameters;
  if (denied.has("*")) return "all parameters are denied on this path";
  for (const [name, value] of entries) {
    const list = denied.get(name.toLowerCase());
    if (list && valueListed(value, list, "denied")) return `parameter "${name}" is denied`;
  }

  const allowed = permissions.allowedParameters;
  const allowAll = allowed.has("*");
  if (allowed.size === 0 || (allowed.size === 1 && allowAll)) return undefined;
  for (const [name, value] of entries) {
    const list = allowed.get(name.toLowerCase());
    if (!list && !allowAll) return `parameter "${name}" is not allowed`;
    if (list && !valueListed(value, list, "allowed")) return `value of parameter "${name}" is not allowed`;
  }
  return undefined;
}
