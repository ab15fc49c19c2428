// The parsed, validated shape of an ACL policy: plain data, the same whatever form it was written in
// (Vault HCL, Vault JSON or the runbook's IAM-like JSON). Compilation into a matcher is compile.ts's job.

export const CAPABILITIES = [
  "create",
  "read",
  "update",
  "patch",
  "delete",
  "list",
  "sudo",
  "deny",
  "subscribe",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export function isCapability(value: unknown): value is Capability {
  return typeof value === "string" && (CAPABILITIES as readonly string[]).includes(value);
}

/** Parameter name (lower-cased, as Vault stores it) -> permitted values; `[]` means any value. */
export type ParameterConstraints = ReadonlyMap<string, readonly unknown[]>;

/** Hours are inclusive and evaluated in `timezone`; `startHour > endHour` wraps past midnight. */
export interface TimeOfDay {
  readonly startHour: number;
  readonly endHour: number;
  readonly timezone: string;
}

/**
 * SecretHub's extension to Vault's path rules. Every listed condition must hold for the rule to
 * contribute to a request. Invariant: a condition that cannot be evaluated (unparsable remote
 * address, invalid clock) never grants.
 */
export interface Conditions {
  /** CIDR blocks or plain addresses, IPv4 or IPv6, as written (already validated). */
  readonly sourceIp?: readonly string[];
  readonly timeOfDay?: TimeOfDay;
}

/**
 * One `path "<pattern>" { ... }` stanza. Invariant: when `capabilities` contains "deny" it contains
 * nothing else, and the rule carries no parameter constraints that could matter.
 */
export interface PathRule {
  /** The pattern as written, without a leading "/"; may end in "*" and contain "+" segments. */
  readonly path: string;
  readonly capabilities: readonly Capability[];
  readonly requiredParameters: readonly string[];
  readonly allowedParameters: ParameterConstraints;
  readonly deniedParameters: ParameterConstraints;
  /** 0 means unset. */
  readonly minWrappingTtlSeconds: number;
  /** 0 means unset. */
  readonly maxWrappingTtlSeconds: number;
  readonly conditions?: Conditions;
}

export interface Policy {
  readonly name: string;
  readonly rules: readonly PathRule[];
  /** The text the policy was read from, returned unchanged by sys/policies reads. */
  readonly raw: string;
}

/** A policy document that cannot be accepted; the message names the offending path and key. */
export class PolicyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PolicyError";
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
