/**
 * auth/approle: machine logins with a RoleID (like a username) and SecretIDs (like passwords that
 * can be limited in uses, lifetime and source addresses). It owns roles and secret ids in its mount's
 * storage view and hands the core an AuthGrant at login; it never mints tokens itself, and never
 * stores or returns a secret id except in the one answer that creates it.
 */
import { LocalLocks, scopedLocks } from "../../core/locks.js";
import type { Backend, BackendConfig } from "../../framework/backend.js";
import { loginPath } from "./path-login.js";
import { roleFieldPaths } from "./path-role-fields.js";
import { rolePaths } from "./path-role.js";
import { secretIdPaths } from "./path-secret-id.js";
import { AppRoleStore } from "./store.js";

export function appRoleBackend(
  config: Pick<BackendConfig, "clock" | "locks"> & { mountPath?: string },
): Backend {
  const store = new AppRoleStore(
    config.locks ? scopedLocks(config.locks, `approle/${config.mountPath ?? ""}`) : new LocalLocks(),
  );
  return {
    type: "approle",
    kind: "auth",
    paths: [
      ...rolePaths(store),
      ...roleFieldPaths(store),
      ...secretIdPaths(store, config.clock),
      loginPath(store, config.clock),
    ],
    unauthenticated: ["login"],
  };
}
