/** Vault's response envelope. Every non-raw response goes out in this shape. */
import type { Outcome } from "../core/pipeline.js";

export function envelope(outcome: Outcome): Record<string, unknown> {
  const r = outcome.response;
  const body: Record<string, unknown> = {
    request_id: outcome.requestId,
    lease_id: outcome.leaseId ?? "",
    renewable: r.secret?.renewable ?? false,
    lease_duration: r.secret?.ttlSeconds ?? r.leaseDurationHint ?? 0,
    data: r.data ?? null,
    wrap_info: null,
    warnings: r.warnings && r.warnings.length > 0 ? r.warnings : null,
    auth: r.auth ?? null,
    mount_type: outcome.mountType ?? "",
  };
  return r.topLevelData && r.data ? { ...r.data, ...body } : body;
}
