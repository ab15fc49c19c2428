/**
 * sys/metrics: the server's telemetry, as Vault serves it. `?format=prometheus` gives the Prometheus
 * text exposition; without it, Vault's JSON dump. A token with `read` on sys/metrics is required
 * unless `telemetry { unauthenticated_metrics_access = true }`, which also serves it while sealed.
 */
import { BadRequest } from "../core/errors.js";
import { definePath, type PathSpec } from "../framework/backend.js";
import type { SysServices } from "./services.js";

export function metricsPaths(s: SysServices): PathSpec[] {
  const metrics = s.metrics;
  if (!metrics) return [];
  return [
    definePath({
      pattern: "metrics",
      fields: { format: { type: "string", default: "", description: '"prometheus", or empty for JSON.' } },
      operations: {
        read: async (_req, { format }) => {
          if (format === "prometheus") {
            const { contentType, body } = await metrics.prometheus();
            return { raw: { status: 200, body, contentType } };
          }
          if (format !== "") throw new BadRequest(`unsupported metrics format "${format.slice(0, 40)}"`);
          return { raw: { status: 200, body: await metrics.json() } };
        },
      },
      help: "Server metrics: Prometheus text with format=prometheus, Vault's JSON shape otherwise.",
    }),
  ];
}
