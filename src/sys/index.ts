/**
 * sys/: the system backend, a Backend like the others, built from narrow services. It owns the
 * operator API (init, unseal, mounts, policies, keys). It must never reach storage except through
 * the services it is given.
 */
import type { Backend } from "../framework/backend.js";
import { auditPaths } from "./path-audit.js";
import { keyPaths } from "./path-keys.js";
import { metricsPaths } from "./path-metrics.js";
import { mountPaths } from "./path-mounts.js";
import { policyPaths } from "./path-policies.js";
import { sealPaths } from "./path-seal.js";
import type { SysServices } from "./services.js";

export type { SysServices, ServerInfo, KeyRotation, AuditAdmin, MetricsExport } from "./services.js";

export function sysBackend(s: SysServices): Backend {
  return {
    type: "system",
    kind: "secret",
    paths: [
      ...sealPaths(s),
      ...mountPaths(s),
      ...policyPaths(s),
      ...keyPaths(s),
      ...auditPaths(s),
      ...metricsPaths(s),
    ],
    availableSealed: [
      "init",
      "seal-status",
      "unseal",
      "health",
      "leader",
      ...(s.metrics?.unauthenticated ? ["metrics"] : []),
    ],
    unauthenticated: ["internal/ui/mounts/:path*"],
  };
}
