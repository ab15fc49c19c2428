/**
 * auth/kubernetes: pods log in with their service-account JWT, verified by the cluster's TokenReview
 * API (and locally when pem_keys are configured). It owns the config and roles in its mount's view
 * and hands the core an AuthGrant; it never stores the login JWT and never returns the reviewer JWT.
 */
import type { Backend, BackendConfig } from "../../framework/backend.js";
import { configPath } from "./config.js";
import { DEFAULT_SERVICE_ACCOUNT_DIR, loginPath } from "./path-login.js";
import { rolePaths } from "./path-role.js";

export interface KubernetesBackendOptions {
  /** Overrides the pod's service-account directory (tests; unusual installs). */
  readonly serviceAccountDir?: string;
}

export function kubernetesBackend(
  config: Pick<BackendConfig, "clock">,
  options: KubernetesBackendOptions = {},
): Backend {
  return {
    type: "kubernetes",
    kind: "auth",
    paths: [
      configPath(),
      ...rolePaths(),
      loginPath({
        clock: config.clock,
        serviceAccountDir: options.serviceAccountDir ?? DEFAULT_SERVICE_ACCOUNT_DIR,
      }),
    ],
    unauthenticated: ["login"],
  };
}
