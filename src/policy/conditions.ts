// SecretHub's policy conditions (source address, time of day): validation helpers for the parser and
// the evaluator used at check time. Invariant: evaluation is fail-closed — anything that cannot be
// evaluated reports "unknown", which never grants.
import { BlockList, isIP } from "node:net";
import type { Conditions, TimeOfDay } from "./policy.js";

export type ConditionName = "source_ip" | "time_of_day";

export interface ConditionOutcome {
  /** "unknown": the request carried something unusable (bad address, invalid clock). */
  readonly state: "met" | "unmet" | "unknown";
  /** Conditions that did not hold, for the denial reason. */
  readonly failed: readonly ConditionName[];
}

export interface ConditionContext {
  readonly remoteAddress: string;
  readonly now: Date;
}

export interface ConditionMatcher {
  evaluate(ctx: ConditionContext): ConditionOutcome;
}

interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

/** Parses "10.0.0.0/8", "2001:db8::/32" or a plain address; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? "ipv4" : "ipv6";
  const maxPrefix = version === 4 ? 32 : 128;
  if (slash === -1) return { address, prefix: maxPrefix, family };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= maxPrefix ? { address, prefix, family } : undefined;
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Strips an IPv6 zone ("fe80::1%eth0") and returns the family, or undefined when unparsable. */
function addressFamily(address: string): { address: string; family: "ipv4" | "ipv6" } | undefined {
  const bare = address.includes("%") ? address.slice(0, address.indexOf("%")) : address;
  const version = isIP(bare);
  if (version === 0) return undefined;
  return { address: bare, family: version === 4 ? "ipv4" : "ipv6" };
}

function sourceIpMatcher(blocks: readonly string[]): (remote: string) => boolean | undefined {
  const list = new BlockList();
  for (const block of blocks) {
    const cidr = parseCidr(block);
    // Validated by the parser; a block that no longer parses simply never matches.
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (remote) => {
    const parsed = addressFamily(remote);
    if (!parsed) return undefined;
    // BlockList matches IPv4-mapped IPv6 addresses ("::ffff:10.0.0.1") against IPv4 blocks.
    return list.check(parsed.address, parsed.family);
  };
}

function timeOfDayMatcher(window: TimeOfDay): (now: Date) => boolean | undefined {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: window.timezone,
    hour: "numeric",
    hourCycle: "h23",
  });
  return (now) => {
    if (Number.isNaN(now.getTime())) return undefined;
    const hourPart = format.formatToParts(now).find((part) => part.type === "hour");
    const hour = hourPart ? Number(hourPart.value) : Number.NaN;
    if (!Number.isInteger(hour)) return undefined;
    const { startHour, endHour } = window;
    return startHour <= endHour ? hour >= startHour && hour <= endHour : hour >= startHour || hour <= endHour;
  };
}

export function compileConditions(conditions: Conditions): ConditionMatcher {
  const source = conditions.sourceIp ? sourceIpMatcher(conditions.sourceIp) : undefined;
  const time = conditions.timeOfDay ? timeOfDayMatcher(conditions.timeOfDay) : undefined;
  return {
    evaluate(ctx) {
      const failed: ConditionName[] = [];
      let unknown = false;
      const results: [ConditionName, boolean | undefined][] = [];
      if (source) results.push(["source_ip", source(ctx.remoteAddress)]);
      if (time) results.push(["time_of_day", time(ctx.now)]);
      for (const [name, result] of results) {
        if (result === true) continue;
        failed.push(name);
        if (result === undefined) unknown = true;
      }
      const state = unknown ? "unknown" : failed.length > 0 ? "unmet" : "met";
      return { state, failed };
    },
  };
}
