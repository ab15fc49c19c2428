// Entry point for ACL compilation: policies in, an Acl out. Pattern selection lives in match.ts,
// the per-request decision (conditions, merging, parameters) in check.ts.
import { type Acl, createAcl } from "./check.js";
import { buildIndex } from "./match.js";
import type { Policy } from "./policy.js";

export type { Acl, CheckContext, CheckResult, Operation } from "./check.js";

/** Tokens carrying this policy may do anything; its rules are never read. */
export const ROOT_POLICY = "root";

/**
 * Compiles the policies a token carries. Invariant: with ROOT_POLICY among them everything is
 * allowed; otherwise only what a winning pattern grants.
 */
export function compileAcl(policies: readonly Policy[]): Acl {
  const root = policies.some((policy) => policy.name === ROOT_POLICY);
  return createAcl(root, root ? buildIndex([]) : buildIndex(policies));
}
