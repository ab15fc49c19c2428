/**
 * The pipeline's view of auditing. audit/ implements it (the broker); the pipeline calls it twice per
 * request. Invariant: when devices are enabled and none records the entry, the calls reject and the
 * pipeline refuses the request (fail closed).
 */
import type { Request, Response } from "./request.js";

/** One record per request and per response; devices HMAC what is sensitive. */
export interface AuditRecord {
  readonly request: Request;
  readonly fullPath: string;
  /** The raw token of the caller, for HMAC only. Invariant: a device never writes it in clear. */
  readonly clientToken?: string;
  readonly response?: Response;
  readonly error?: string;
  readonly status?: number;
}

export interface AuditPort {
  logRequest(record: AuditRecord): Promise<void>;
  logResponse(record: AuditRecord): Promise<void>;
  /** True while no device is enabled or being loaded: logging would record nothing, so may be skipped. */
  idle?(): boolean;
}
