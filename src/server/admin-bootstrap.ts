/**
 * Admin bootstrap (issue #3): with ADMIN_USERNAME and ADMIN_PASSWORD_HASH set, every unseal makes sure
 * that a userpass mount exists at auth/userpass/ (enabled if missing), that an `admin` policy exists
 * (created if missing, never overwritten: operators may narrow it), and that the user exists with
 * exactly that bcrypt hash and the `admin` policy.
 *
 * The default admin policy grants every capability including sudo on every path. Decision: the
 * bootstrap admin is the operator's break-glass identity and must be able to do what runbooks do
 * (audit devices, revoke-prefix, accessor listing are sudo paths). What still separates it from root:
 * its token expires and renews like any login token, auth methods cannot mint root tokens, and token
 * creation keeps the subset rule (a child token holds only policies its parent holds).
 */
import { builtinMount } from "../core/lifecycle.js";
import type { MountTable } from "../core/mount-table.js";
import type { PolicyStore } from "../core/policy-store.js";
import type { Router } from "../core/router.js";
import { ensureBootstrapUser } from "../auth/userpass/index.js";

export const ADMIN_POLICY = "admin";
export const ADMIN_MOUNT = "auth/userpass/";

export const ADMIN_POLICY_HCL = `# Created by SecretHub's admin bootstrap (ADMIN_USERNAME). Edit freely: it is never overwritten.
path "*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo"]
}
`;

export interface AdminBootstrapDeps {
  readonly mounts: Pick<MountTable, "get" | "add">;
  readonly router: Pick<Router, "mount" | "match">;
  readonly policies: Pick<PolicyStore, "get" | "put">;
  readonly admin: { readonly username: string; readonly passwordHash: string };
}

export async function ensureAdmin(deps: AdminBootstrapDeps): Promise<void> {
  let entry = await deps.mounts.get(ADMIN_MOUNT);
  if (!entry) {
    entry = builtinMount(ADMIN_MOUNT, "userpass", "userpass logins (admin bootstrap)");
    await deps.mounts.add(entry);
    await deps.router.mount(entry);
  }
  if (entry.type !== "userpass") {
    throw new Error(`admin bootstrap: ${ADMIN_MOUNT} is a "${entry.type}" mount, not userpass`);
  }
  const mounted = deps.router.match(ADMIN_MOUNT)?.mounted;
  if (!mounted) throw new Error(`admin bootstrap: ${ADMIN_MOUNT} is not mounted`);
  if (!(await deps.policies.get(ADMIN_POLICY))) await deps.policies.put(ADMIN_POLICY, ADMIN_POLICY_HCL);
  await ensureBootstrapUser(mounted.storage, deps.admin.username, deps.admin.passwordHash, ADMIN_POLICY);
}
