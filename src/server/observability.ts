/**
 * Wires telemetry/ and the probes for the composition root (main.ts): one metrics registry per
 * server, the pipeline's observer, sys/metrics, /metrics and the /health, /ready, /startup probes,
 * and the start-up and shutdown flags the probes report.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { AuditPort } from "../core/audit-port.js";
import type { Clock } from "../core/clock.js";
import type { RequestObserver } from "../core/pipeline.js";
import { metricsRoute, probeRoutes } from "../http/probes.js";
import type { StorageBackend } from "../storage/storage.js";
import type { MetricsExport } from "../sys/index.js";
import { meteredAudit } from "../telemetry/metered-audit.js";
import { Metrics, type MetricSources } from "../telemetry/metrics.js";
import { requestObserver } from "../telemetry/observer.js";
import { vaultMetrics } from "../telemetry/vault-json.js";
import type { ServerConfig } from "./config.js";

export interface ObservabilityDeps {
  readonly config: Pick<ServerConfig, "telemetry">;
  readonly version: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly storage: Pick<StorageBackend, "ping">;
  readonly sources: MetricSources;
}

export interface Observability {
  readonly metrics: Metrics;
  readonly observer: RequestObserver;
  readonly sysMetrics: MetricsExport;
  readonly plugins: readonly ((app: FastifyInstance) => void)[];
  /** Counts the broker's refusals (fail closed) on the way to the pipeline. */
  audit(port: AuditPort): AuditPort;
  /** /startup and /ready answer 200 from now on (if otherwise ready). */
  markStarted(): void;
  /** /ready answers 503 "shutting_down" from now on. */
  markDraining(): void;
}

export function observability(deps: ObservabilityDeps): Observability {
  const startedAt = deps.clock.now();
  let started = false;
  let draining = false;
  const metrics = new Metrics({ version: deps.version, sources: deps.sources });
  const prometheus = async (): Promise<{ contentType: string; body: string }> => ({
    contentType: metrics.contentType,
    body: await metrics.exposition(),
  });
  const plugins = [
    probeRoutes({
      version: deps.version,
      uptimeSeconds: () => Math.floor((deps.clock.now() - startedAt) / 1000),
      started: () => started,
      draining: () => draining,
      sealState: deps.sources.sealState,
      pingStorage: () => deps.storage.ping(),
    }),
    ...(deps.config.telemetry.prometheusEnabled ? [metricsRoute(prometheus)] : []),
  ];
  return {
    metrics,
    observer: requestObserver(metrics, deps.logger),
    sysMetrics: {
      prometheus,
      json: () => vaultMetrics(metrics.registry, new Date(deps.clock.now())),
      unauthenticated: deps.config.telemetry.unauthenticatedMetricsAccess,
    },
    plugins,
    audit: (port) => meteredAudit(port, (stage) => metrics.auditBrokerFailed(stage)),
    markStarted: () => {
      started = true;
    },
    markDraining: () => {
      draining = true;
    },
  };
}
