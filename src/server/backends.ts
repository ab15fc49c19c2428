/** The registry of backend types: engines and auth methods arrive by registry line, not by wiring. */
import type { MountEntry } from "../core/mount-table.js";
import type { Clock } from "../core/clock.js";
import type { Locks } from "../core/locks.js";
import type { Backend } from "../framework/backend.js";
import { secretEngines } from "../engines/registry.js";
import { tokenBackend } from "../auth/token/index.js";
import { appRoleBackend } from "../auth/approle/index.js";
import { jwtBackend } from "../auth/jwt/index.js";
import { kubernetesBackend } from "../auth/kubernetes/index.js";
import { userpassBackend } from "../auth/userpass/index.js";
import type { TokenStore } from "../token/store.js";

export interface BackendServices {
  readonly clock: Clock;
  readonly tokens: TokenStore;
  /** Shared by all nodes on shared storage (KV check-and-set, AppRole secret id uses). */
  readonly locks?: Locks;
}

const authMethods = {
  token: (s: BackendServices) => tokenBackend({ store: s.tokens, clock: s.clock }),
  approle: (s: BackendServices, e: MountEntry) =>
    appRoleBackend({ clock: s.clock, mountPath: e.path, ...(s.locks ? { locks: s.locks } : {}) }),
  userpass: () => userpassBackend(),
  kubernetes: (s: BackendServices) => kubernetesBackend({ clock: s.clock }),
  jwt: (s: BackendServices) => jwtBackend({ clock: s.clock }),
} as const satisfies Record<string, (s: BackendServices, entry: MountEntry) => Backend>;

export const engineTypes: ReadonlySet<string> = new Set(Object.keys(secretEngines));
export const authTypes: ReadonlySet<string> = new Set(Object.keys(authMethods).filter((t) => t !== "token"));

export function backendFactory(services: BackendServices): (entry: MountEntry) => Backend {
  return (entry) => {
    const config = {
      mountPath: entry.path,
      options: entry.options,
      clock: services.clock,
      ...(services.locks ? { locks: services.locks } : {}),
    };
    if (entry.path.startsWith("auth/")) {
      const make = (
        authMethods as Record<string, ((s: BackendServices, e: MountEntry) => Backend) | undefined>
      )[entry.type];
      if (!make) throw new Error(`unknown auth method type "${entry.type}"`);
      return make(services, entry);
    }
    const make = (secretEngines as Record<string, ((c: typeof config) => Backend) | undefined>)[entry.type];
    if (!make) throw new Error(`unknown secrets engine type "${entry.type}"`);
    return make(config);
  };
}
