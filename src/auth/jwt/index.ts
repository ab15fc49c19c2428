/**
 * auth/jwt: logins with JWTs signed by a trusted issuer (CI systems' OIDC tokens, workload identity).
 * JWT login only: no browser OIDC flow. It owns the config and roles in its mount's view and hands
 * the core an AuthGrant; it never stores the presented JWT.
 */
import type { Backend, BackendConfig } from "../../framework/backend.js";
import { configPath } from "./config.js";
import { JwksCache } from "./jwks.js";
import { loginPath } from "./path-login.js";
import { rolePaths } from "./path-role.js";

export function jwtBackend(config: Pick<BackendConfig, "clock">): Backend {
  return {
    type: "jwt",
    kind: "auth",
    paths: [
      configPath(),
      ...rolePaths(),
      loginPath({ clock: config.clock, jwks: new JwksCache(config.clock) }),
    ],
    unauthenticated: ["login"],
  };
}
