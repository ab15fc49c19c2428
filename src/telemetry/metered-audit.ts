/**
 * Counts the audit broker's refusals as the pipeline sees them: when `logRequest` or `logResponse`
 * rejects, no device recorded the entry and the pipeline refuses the request (fail closed). Per-device
 * writes and failures are counted by the broker itself through `Metrics.auditDevice`.
 */
import type { AuditPort } from "../core/audit-port.js";

/** The two calls of an AuditPort, over any record type. */
export interface AuditCalls<R> {
  logRequest(record: R): Promise<void>;
  logResponse(record: R): Promise<void>;
  idle?(): boolean;
}

export function meteredAudit<R = Parameters<AuditPort["logRequest"]>[0]>(
  port: AuditCalls<R>,
  failed: (stage: "request" | "response") => void,
): AuditCalls<R> {
  return {
    ...(port.idle ? { idle: () => port.idle?.() ?? false } : {}),
    async logRequest(record) {
      try {
        await port.logRequest(record);
      } catch (err) {
        failed("request");
        throw err;
      }
    },
    async logResponse(record) {
      try {
        await port.logResponse(record);
      } catch (err) {
        failed("response");
        throw err;
      }
    },
  };
}
