/** The narrow services the sys/ backend is built from; wired by server/main.ts. */
import type { Acl } from "../policy/index.js";
import type { Lifecycle, SealControl } from "../core/lifecycle.js";
import type { MountTable } from "../core/mount-table.js";
import type { PolicyStore } from "../core/policy-store.js";
import type { Router } from "../core/router.js";

export interface ServerInfo {
  readonly version: string;
  readonly buildDate: string;
  readonly clusterName: string;
  readonly clusterId: string;
  readonly storageType: string;
  readonly hostname: string;
  readonly apiAddr: string;
}

export interface KeyRotation {
  rotate(): Promise<number>;
  keyStatus(): { term: number; installTime: Date };
}

/** sys/audit's filters for the database device's events (SecretHub extension). */
export interface AuditEventsQuery {
  readonly device?: string;
  readonly from?: string;
  readonly to?: string;
  readonly pathPrefix?: string;
  readonly actor?: string;
  readonly operation?: string;
  readonly result?: string;
  readonly namespace?: string;
  readonly type?: string;
  readonly cursor?: string;
  readonly order?: string;
  readonly limit?: number;
}

/** The audit broker as sys/audit* sees it (implemented by audit/broker.ts, wired by server/main.ts). */
export interface AuditAdmin {
  list(): Record<string, Record<string, unknown>>;
  enable(
    path: string,
    input: { type: string; description?: string; options?: unknown; local?: boolean },
  ): Promise<void>;
  disable(path: string): Promise<void>;
  /** Vault's `hmac-sha256:<hex>` of `input` with the device's salt. */
  hash(path: string, input: string): string;
  checkpoint(path: string): Promise<Record<string, unknown>>;
  verify(path: string): Promise<Record<string, unknown>>;
  events(query: AuditEventsQuery): Promise<Record<string, unknown>>;
}

/** What sys/metrics serves; built by telemetry/ and wired by server/main.ts. */
export interface MetricsExport {
  prometheus(): Promise<{ contentType: string; body: string }>;
  /** Vault's JSON shape ({Timestamp, Gauges, Counters, Samples}). */
  json(): Promise<unknown>;
  /** telemetry.unauthenticated_metrics_access: sys/metrics needs no token (and answers sealed). */
  readonly unauthenticated: boolean;
}

export interface SysServices {
  readonly lifecycle: Lifecycle;
  readonly seal: Pick<SealControl, "status" | "reset">;
  readonly mounts: MountTable;
  readonly router: Pick<Router, "mount" | "unmount" | "retune" | "match">;
  readonly policies: PolicyStore;
  readonly acls: { acl(names: readonly string[]): Promise<Acl> };
  readonly keys: KeyRotation;
  readonly info: ServerInfo;
  /** Secret engine and auth method types the registry knows. */
  readonly engineTypes: ReadonlySet<string>;
  readonly authTypes: ReadonlySet<string>;
  readonly now: () => number;
  /** sys/metrics is absent unless given. */
  readonly metrics?: MetricsExport;
  readonly audit: AuditAdmin;
}
