/**
 * The pipeline's RequestObserver: one metrics update and one log line per /v1 request, from the
 * bounded facts the pipeline hands over (never the request path, body or token).
 */
import type { Logger } from "pino";
import type { RequestObserver } from "../core/pipeline.js";
import type { RequestFacts } from "./metrics.js";

export function requestObserver(
  metrics: { observe(f: RequestFacts): void },
  logger: Pick<Logger, "info" | "warn">,
): RequestObserver {
  return {
    done(f) {
      try {
        metrics.observe(f);
        const line = {
          reqId: f.requestId,
          method: f.method,
          mount: f.mountPath || undefined,
          operation: f.operation,
          status: f.status,
          latencyMs: f.durationMs,
        };
        // 5xx internals are logged with their cause by the HTTP error handler; this is the summary.
        // A sealed node's sys/health 503 is an answer, not a failure: load balancers poll it.
        if (f.failed && f.status >= 500) logger.warn(line, "request failed");
        else logger.info(line, "request completed");
      } catch {
        // Telemetry must never turn a served request into a failure.
      }
    },
  };
}
