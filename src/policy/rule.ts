// Validation of one path stanza's body, shared by every accepted policy form. Mirrors Vault's
// policy parser (legacy `policy`, capability names, lower-cased parameter names, wrapping TTLs) and
// adds SecretHub's `conditions` block. Anything it cannot enforce is refused, never ignored.
import { isTimeZone, parseCidr } from "./conditions.js";
import {
  type Capability,
  type Conditions,
  type ParameterConstraints,
  type PathRule,
  type TimeOfDay,
  isCapability,
  isRecord,
  PolicyError,
} from "./policy.js";

const LEGACY_POLICIES: Readonly<Record<string, readonly Capability[]>> = {
  deny: ["deny"],
  read: ["read", "list"],
  write: ["create", "read", "update", "delete", "list"],
  sudo: ["create", "read", "update", "delete", "list", "sudo"],
};

const RULE_KEYS = new Set([
  "comment",
  "policy",
  "capabilities",
  "required_parameters",
  "allowed_parameters",
  "denied_parameters",
  "min_wrapping_ttl",
  "max_wrapping_ttl",
  "conditions",
]);

// Enterprise features that narrow access: accepting them silently would widen it.
const UNSUPPORTED_KEYS = new Set(["control_group", "mfa_methods", "subscribe_event_types"]);

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

/** Vault's pattern checks: no leading "/", no "+*", no identity templating (no entities yet). */
export function parsePattern(pattern: string): string {
  const path = pattern.startsWith("/") ? pattern.slice(1) : pattern;
  if (path.includes("+*")) {
    throw new PolicyError(`path "${pattern}": invalid use of wildcards ("+*" is forbidden)`);
  }
  if (path.includes("{{")) {
    throw new PolicyError(`path "${pattern}": templated policy paths are not supported`);
  }
  return path;
}

export function parseRuleBody(pattern: string, body: Record<string, unknown>): PathRule {
  const where = `path "${pattern}"`;
  for (const key of Object.keys(body)) {
    if (UNSUPPORTED_KEYS.has(key)) throw new PolicyError(`${where}: "${key}" is not supported`);
    if (!RULE_KEYS.has(key)) throw new PolicyError(`${where}: unknown key "${key}"`);
  }
  const minWrap = parseDuration(where, "min_wrapping_ttl", body["min_wrapping_ttl"]);
  const maxWrap = parseDuration(where, "max_wrapping_ttl", body["max_wrapping_ttl"]);
  if (maxWrap > 0 && maxWrap < minWrap) {
    throw new PolicyError(`${where}: max_wrapping_ttl cannot be less than min_wrapping_ttl`);
  }
  const capabilities = parseCapabilities(where, body["policy"], body["capabilities"]);
  const conditions =
    body["conditions"] === undefined ? undefined : parseConditions(where, body["conditions"]);
  return {
    path: parsePattern(pattern),
    capabilities,
    requiredParameters: stringList(where, "required_parameters", body["required_parameters"]),
    allowedParameters: parseParameters(where, "allowed_parameters", body["allowed_parameters"]),
    deniedParameters: parseParameters(where, "denied_parameters", body["denied_parameters"]),
    minWrappingTtlSeconds: minWrap,
    maxWrappingTtlSeconds: maxWrap,
    ...(conditions ? { conditions } : {}),
  };
}

function parseCapabilities(where: string, legacy: unknown, listed: unknown): Capability[] {
  const names: unknown[] = listed === undefined ? [] : [...arrayOf(where, "capabilities", listed)];
  if (legacy !== undefined) {
    const mapped = typeof legacy === "string" ? LEGACY_POLICIES[legacy] : undefined;
    if (!mapped) throw new PolicyError(`${where}: invalid policy ${JSON.stringify(legacy)}`);
    if (legacy === "deny") return ["deny"];
    names.push(...mapped);
  }
  const capabilities = new Set<Capability>();
  for (const name of names) {
    if (!isCapability(name)) {
      throw new PolicyError(`${where}: invalid capability ${JSON.stringify(name)}`);
    }
    // Invariant: deny stands alone; nothing else on the rule can matter.
    if (name === "deny") return ["deny"];
    capabilities.add(name);
  }
  return [...capabilities];
}

/** HCL blocks arrive as arrays of objects; JSON as one object. Either way, one flat map. */
function objectOf(where: string, key: string, value: unknown): Record<string, unknown> {
  if (isRecord(value)) return value;
  if (Array.isArray(value) && value.every(isRecord)) {
    return Object.fromEntries(value.flatMap((block) => Object.entries(block)));
  }
  throw new PolicyError(`${where}: ${key} must be an object`);
}

function arrayOf(where: string, key: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new PolicyError(`${where}: ${key} must be a list`);
  return value;
}

function stringList(where: string, key: string, value: unknown): string[] {
  if (value === undefined) return [];
  const items = arrayOf(where, key, value);
  const strings = items.filter((item): item is string => typeof item === "string");
  if (strings.length !== items.length) {
    throw new PolicyError(`${where}: ${key} must be a list of strings`);
  }
  return strings;
}

function parseParameters(where: string, key: string, value: unknown): ParameterConstraints {
  const constraints = new Map<string, readonly unknown[]>();
  if (value === undefined) return constraints;
  for (const [name, values] of Object.entries(objectOf(where, key, value))) {
    const list = arrayOf(where, `${key}."${name}"`, values);
    constraints.set(name.toLowerCase(), [...list]);
  }
  return constraints;
}

/** Seconds from a number of seconds, "300", or Go-style "1h30m" (plus "d" days, as Vault). */
function parseDuration(where: string, key: string, value: unknown): number {
  if (value === undefined) return 0;
  const fail = (): never => {
    throw new PolicyError(`${where}: ${key} must be a duration such as "300s" or "1h"`);
  };
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : fail();
  if (typeof value !== "string") return fail();
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return fail();
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    seconds += Number(amount) * (DURATION_UNITS[unit ?? ""] ?? Number.NaN);
  }
  return Number.isFinite(seconds) ? seconds : fail();
}

const CONDITION_KEYS = new Set(["source_ip", "time_of_day", "timezone"]);

export function parseConditions(where: string, value: unknown): Conditions | undefined {
  if (Array.isArray(value) && value.length > 1) {
    throw new PolicyError(`${where}: only one conditions block is allowed`);
  }
  const body = objectOf(where, "conditions", value);
  for (const key of Object.keys(body)) {
    if (!CONDITION_KEYS.has(key)) {
      throw new PolicyError(`${where}: unknown condition "${key}"`);
    }
  }
  const sourceIp = parseSourceIp(where, body["source_ip"]);
  const timeOfDay = parseTimeOfDay(where, body["time_of_day"], body["timezone"]);
  if (!sourceIp && !timeOfDay) return undefined;
  return { ...(sourceIp ? { sourceIp } : {}), ...(timeOfDay ? { timeOfDay } : {}) };
}

function parseSourceIp(where: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const blocks = typeof value === "string" ? [value] : stringList(where, "conditions.source_ip", value);
  if (blocks.length === 0) {
    throw new PolicyError(`${where}: conditions.source_ip must list at least one CIDR block`);
  }
  for (const block of blocks) {
    if (!parseCidr(block)) {
      throw new PolicyError(`${where}: conditions.source_ip: "${block}" is not an IP or CIDR block`);
    }
  }
  return blocks;
}

function parseTimeOfDay(where: string, hours: unknown, timezone: unknown): TimeOfDay | undefined {
  if (hours === undefined) {
    if (timezone !== undefined) {
      throw new PolicyError(`${where}: conditions.timezone needs conditions.time_of_day`);
    }
    return undefined;
  }
  const isHour = (h: unknown): h is number => Number.isInteger(h) && Number(h) >= 0 && Number(h) <= 23;
  const pair: readonly unknown[] = Array.isArray(hours) ? hours : [];
  const [startHour, endHour] = pair;
  if (!Array.isArray(hours) || hours.length !== 2 || !isHour(startHour) || !isHour(endHour)) {
    throw new PolicyError(
      `${where}: conditions.time_of_day must be [startHour, endHour] with hours from 0 to 23`,
    );
  }
  const zone = timezone ?? "UTC";
  if (typeof zone !== "string" || !isTimeZone(zone)) {
    throw new PolicyError(`${where}: conditions.timezone must be an IANA time zone name`);
  }
  return { startHour, endHour, timezone: zone };
}
