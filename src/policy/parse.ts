// Reading policies: Vault HCL and Vault JSON (parsePolicy), and the runbook's IAM-like JSON
// (policyFromRules / policyToRules). Every form yields the same PathRule data.
import hcl from "js-hcl-parser";
import { z } from "zod";
import { type ParameterConstraints, type PathRule, type Policy, isRecord, PolicyError } from "./policy.js";
import { parseRuleBody } from "./rule.js";

export { PolicyError } from "./policy.js";
export type { Capability, Conditions, ParameterConstraints, PathRule, Policy, TimeOfDay } from "./policy.js";

const TOP_LEVEL_KEYS = new Set(["name", "path"]);

/** Reads a policy written in Vault's HCL or JSON form. Throws PolicyError when it is not valid. */
export function parsePolicy(name: string, text: string): Policy {
  const document = readDocument(name, text);
  for (const key of Object.keys(document)) {
    if (!TOP_LEVEL_KEYS.has(key)) {
      throw new PolicyError(`policy "${name}": unknown top-level key "${key}"`);
    }
  }
  const rules: PathRule[] = [];
  if (document["path"] !== undefined) {
    for (const [pattern, body] of pathEntries(name, document["path"])) {
      const bodies = Array.isArray(body) ? body : [body];
      for (const block of bodies) {
        if (!isRecord(block)) {
          throw new PolicyError(`policy "${name}": path "${pattern}" must be a block`);
        }
        rules.push(parseRuleBody(pattern, block));
      }
    }
  }
  return { name, rules, raw: text };
}

function readDocument(name: string, text: string): Record<string, unknown> {
  const trimmed = text.trim();
  let parsed: unknown;
  if (trimmed.startsWith("{")) {
    try {
      parsed = JSON.parse(trimmed);
    } catch (cause) {
      throw new PolicyError(`policy "${name}": invalid JSON`, { cause });
    }
  } else {
    parsed = parseHcl(name, text);
  }
  if (!isRecord(parsed)) throw new PolicyError(`policy "${name}": expected an object`);
  return parsed;
}

function parseHcl(name: string, text: string): unknown {
  let output: unknown;
  try {
    output = hcl.parse(text);
  } catch (cause) {
    throw new PolicyError(`policy "${name}": invalid HCL`, { cause });
  }
  if (typeof output !== "string") throw new PolicyError(`policy "${name}": invalid HCL`);
  try {
    return JSON.parse(output);
  } catch {
    // The parser reports syntax errors as a bare message rather than JSON.
    const detail = output.replace(/^unable to parse JSON:\s*/, "");
    throw new PolicyError(`policy "${name}": invalid HCL: ${detail}`);
  }
}

/** HCL gives `[{pattern: [body]}, ...]`; JSON gives `{pattern: body}`. Both yield pairs. */
function pathEntries(name: string, value: unknown): [string, unknown][] {
  const blocks = Array.isArray(value) ? value : [value];
  return blocks.flatMap((block) => {
    if (!isRecord(block)) throw new PolicyError(`policy "${name}": "path" must be a block`);
    return Object.entries(block);
  });
}

const runbookRuleSchema = z
  .object({
    path: z.string().min(1),
    capabilities: z.array(z.string()).optional(),
    effect: z.enum(["allow", "deny"]).optional(),
    conditions: z.record(z.string(), z.unknown()).optional(),
    required_parameters: z.unknown().optional(),
    allowed_parameters: z.unknown().optional(),
    denied_parameters: z.unknown().optional(),
    min_wrapping_ttl: z.unknown().optional(),
    max_wrapping_ttl: z.unknown().optional(),
  })
  .strict();

/** One rule of the runbook's IAM-like form; wire names stay snake_case like Vault's. */
export interface RunbookRule {
  path: string;
  capabilities: string[];
  effect: "allow" | "deny";
  conditions?: { source_ip?: string[]; time_of_day?: [number, number]; timezone?: string };
  required_parameters?: string[];
  allowed_parameters?: Record<string, unknown[]>;
  denied_parameters?: Record<string, unknown[]>;
  min_wrapping_ttl?: number;
  max_wrapping_ttl?: number;
}

/**
 * Reads the `rules` array of `{"name": ..., "rules": [...]}`. `effect: "deny"` becomes Vault's
 * `deny` capability, which denies the whole path whatever capabilities are listed beside it.
 */
export function policyFromRules(name: string, rules: unknown): Policy {
  const parsed = z.array(runbookRuleSchema).safeParse(rules);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.map(String).join(".") : "";
    throw new PolicyError(`policy "${name}": rules.${where}: ${issue?.message ?? "invalid"}`);
  }
  const compiled = parsed.data.map((rule, index) => {
    const { path, effect, capabilities, ...rest } = rule;
    if (effect !== "deny" && (capabilities ?? []).length === 0) {
      throw new PolicyError(`policy "${name}": rules.${index}: an allow rule needs capabilities`);
    }
    const body = { ...rest, capabilities: effect === "deny" ? ["deny"] : capabilities };
    const defined = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    return parseRuleBody(path, defined);
  });
  return { name, rules: compiled, raw: JSON.stringify({ name, rules }, null, 2) };
}

/** The runbook form of a policy; `policyFromRules(name, policyToRules(p))` yields the same rules. */
export function policyToRules(policy: Policy): RunbookRule[] {
  return policy.rules.map((rule) => {
    const denied = rule.capabilities.includes("deny");
    const out: RunbookRule = {
      path: rule.path,
      capabilities: denied ? [] : [...rule.capabilities],
      effect: denied ? "deny" : "allow",
    };
    const { sourceIp, timeOfDay } = rule.conditions ?? {};
    if (sourceIp || timeOfDay) {
      out.conditions = {
        ...(sourceIp ? { source_ip: [...sourceIp] } : {}),
        ...(timeOfDay
          ? { time_of_day: [timeOfDay.startHour, timeOfDay.endHour], timezone: timeOfDay.timezone }
          : {}),
      };
    }
    if (rule.requiredParameters.length > 0) out.required_parameters = [...rule.requiredParameters];
    if (rule.allowedParameters.size > 0) {
      out.allowed_parameters = constraintsObject(rule.allowedParameters);
    }
    if (rule.deniedParameters.size > 0) out.denied_parameters = constraintsObject(rule.deniedParameters);
    if (rule.minWrappingTtlSeconds > 0) out.min_wrapping_ttl = rule.minWrappingTtlSeconds;
    if (rule.maxWrappingTtlSeconds > 0) out.max_wrapping_ttl = rule.maxWrappingTtlSeconds;
    return out;
  });
}

function constraintsObject(constraints: ParameterConstraints): Record<string, unknown[]> {
  return Object.fromEntries([...constraints].map(([key, values]) => [key, [...values]]));
}
