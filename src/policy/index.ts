// policy/ owns Vault ACL policies: reading them (Vault HCL, Vault JSON, the runbook's IAM-like JSON),
// compiling them into a matcher and answering "may this request proceed?", including SecretHub's
// fail-closed conditions (source address, time of day). It is a pure leaf layer: it imports nothing
// else of ours, does no I/O and keeps no state between calls. This file is its public surface; the
// rest of the tree imports policy/ only from here.
export { compileAcl, ROOT_POLICY } from "./compile.js";
export type { Acl, CheckContext, CheckResult, Operation } from "./check.js";
export { DEFAULT_POLICY_HCL, DEFAULT_POLICY_NAME } from "./default-policy.js";
export { parsePolicy, policyFromRules, policyToRules, type RunbookRule } from "./parse.js";
export { CAPABILITIES, PolicyError } from "./policy.js";
export type { Capability, Conditions, ParameterConstraints, PathRule, Policy, TimeOfDay } from "./policy.js";
