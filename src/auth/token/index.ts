/**
 * auth/token: the token auth method (Vault's token store API). It owns only the HTTP-facing rules
 * (who may create what, wire fields and answers); tokens themselves live in token/store.ts. It must
 * never echo a token id except to the client that presented or just received it.
 */
import type { Backend } from "../../framework/backend.js";
import type { Clock } from "../../core/clock.js";
import type { TokenStore } from "../../token/store.js";
import { accessorsPath } from "./path-accessors.js";
import { createPaths } from "./path-create.js";
import { lookupPaths } from "./path-lookup.js";
import { renewPaths } from "./path-renew.js";
import { revokePaths } from "./path-revoke.js";

export interface TokenBackendDeps {
  readonly store: TokenStore;
  /** Reserved for time-based rules; TTL decisions are the store's (which has its own clock). */
  readonly clock: Clock;
}

export function tokenBackend({ store }: TokenBackendDeps): Backend {
  return {
    type: "token",
    kind: "auth",
    paths: [
      ...createPaths(store),
      ...lookupPaths(store),
      ...renewPaths(store),
      ...revokePaths(store),
      accessorsPath(store),
    ],
  };
}
