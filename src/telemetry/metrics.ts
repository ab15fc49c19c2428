/**
 * telemetry/: Prometheus metrics (prom-client, one registry per server, never the global one), the
 * pipeline's RequestObserver with its request log line, and the pino logger factory with redaction.
 * It sees a request only as bounded facts (method, mount path, operation, status, duration).
 * Invariant: no metric label and no log line carries a request path, a token or a secret value; mount
 * paths are operator-defined and few, so label cardinality stays bounded. It imports only core types.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { RequestObserver } from "../core/pipeline.js";
import { HotCounter, HotHistogram } from "./hot-metrics.js";

export type RequestFacts = Parameters<RequestObserver["done"]>[0];

/**
 * Read on each scrape. Each should be cheap; one that rejects or takes over a second leaves its gauge
 * at the last value, so a slow database cannot hang the scrape.
 */
export interface MetricSources {
  readonly sealState: () => Promise<{ initialized: boolean; sealed: boolean }>;
  /** Live tokens; undefined while they cannot be counted (sealed): the gauge keeps its last count. */
  readonly activeTokens?: () => Promise<number | undefined>;
  /** Live leases; undefined while they cannot be counted. */
  readonly activeLeases?: () => Promise<number | undefined>;
  /** Connections checked out over the pool's maximum, in [0, 1]. Absent for embedded storage. */
  readonly poolUtilization?: () => number;
  /** Running totals of the barrier's read cache (decrypted hot values), exported as cache="barrier". */
  readonly readCache?: () => { readonly hits: number; readonly misses: number };
}

export interface MetricsOptions {
  readonly version: string;
  readonly sources: MetricSources;
  /** Node.js process metrics (CPU, memory, event loop lag, GC); on unless false. */
  readonly processMetrics?: boolean;
}

/** Counts lookups in one in-memory cache (core/policy-store.ts's CacheObserver has this shape). */
export interface CacheCounter {
  hit(): void;
  miss(): void;
}

/** Handed to the audit broker (issue #4): one call per entry a device accepted or failed to write. */
export interface AuditDeviceCounter {
  written(device: string, entries?: number): void;
  failed(device: string, entries?: number): void;
}

export type AccessResult = "success" | "not_found" | "denied" | "client_error" | "error";

/** Bounded outcome classes for a status code; alerts count everything but success and not_found. */
export function accessResult(status: number): AccessResult {
  if (status < 400) return "success";
  if (status === 404) return "not_found";
  if (status === 401 || status === 403) return "denied";
  if (status < 500) return "client_error";
  return "error";
}

/** Requests to secret engines: a mount that is neither sys/ nor an auth method. */
export function isSecretEngine(f: Pick<RequestFacts, "mountPath" | "mountType">): boolean {
  return (
    f.mountPath !== "" &&
    f.mountType !== "system" &&
    !f.mountPath.startsWith("sys/") &&
    !f.mountPath.startsWith("auth/")
  );
}

const LOGIN_FAILURE = new Set([400, 401, 403, 429]);

/** A failed login: an unauthenticated route of an auth method refused the caller. */
export function isLoginFailure(f: Pick<RequestFacts, "mountPath" | "unauthenticated" | "status">): boolean {
  return f.unauthenticated && f.mountPath.startsWith("auth/") && LOGIN_FAILURE.has(f.status);
}

const UNMATCHED = "none";

export class Metrics {
  readonly registry = new Registry();
  // Updated on every request: see hot-metrics.ts.
  private readonly requestDuration: HotHistogram<"method" | "mount" | "status">;
  private readonly secretAccess: HotCounter<"operation" | "mount" | "result">;
  private readonly secretLatency: HotHistogram<"operation" | "mount">;
  private readonly rotations: Counter<"kind" | "result">;
  private readonly cacheHits: Counter<"cache">;
  /** Hits and misses of our own caches since the last scrape, by cache name. */
  private readonly localCaches = new Map<string, { hits: number; misses: number }>();
  private readonly cacheMisses: Counter<"cache">;
  private readonly loginFailures: Counter<"mount">;
  private readonly auditWrites: Counter<"device">;
  private readonly auditFailures: Counter<"device">;
  private readonly auditBrokerFailures: Counter<"stage">;

  constructor(opts: MetricsOptions) {
    const registers = [this.registry];
    this.requestDuration = new HotHistogram(
      "secrethub_request_duration_ms",
      "Time to serve a /v1 request through the pipeline, in milliseconds.",
      ["method", "mount", "status"],
      [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      this.registry,
    );
    this.secretAccess = new HotCounter({
      name: "secret_access_total",
      help: "Requests to secrets engines by operation, mount and result.",
      labelNames: ["operation", "mount", "result"],
      registry: this.registry,
    });
    this.secretLatency = new HotHistogram(
      "secret_access_latency_seconds",
      "Time to serve a request to a secrets engine, in seconds.",
      ["operation", "mount"],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      this.registry,
    );
    this.rotations = new Counter({
      name: "secret_rotation_total",
      help: "Key and secret rotations by kind (barrier_key ...) and result (success, failure).",
      labelNames: ["kind", "result"],
      registers,
    });
    // The barrier's read cache counts for itself (it sits below telemetry); its totals join these
    // counters on each scrape, as the increase since the last one.
    const barrier = totalsSince(opts.sources.readCache);
    // Our own caches (acl) count in plain numbers too: a labelled inc per lookup cost ~1 µs a request.
    const caches = this.localCaches;
    this.cacheHits = new Counter({
      name: "secrethub_cache_hits_total",
      help: "Lookups answered by an in-memory cache (acl: compiled policies; barrier: decrypted values).",
      labelNames: ["cache"],
      registers,
      collect() {
        flushCacheCounts(this, "hits", barrier.hits(), caches);
      },
    });
    this.cacheMisses = new Counter({
      name: "secrethub_cache_misses_total",
      help: "Lookups an in-memory cache could not answer.",
      labelNames: ["cache"],
      registers,
      collect() {
        flushCacheCounts(this, "misses", barrier.misses(), caches);
      },
    });
    this.loginFailures = new Counter({
      name: "secrethub_login_failures_total",
      help: "Refused logins (400, 401, 403, 429) by auth mount.",
      labelNames: ["mount"],
      registers,
    });
    this.auditWrites = new Counter({
      name: "secrethub_audit_writes_total",
      help: "Audit entries a device recorded.",
      labelNames: ["device"],
      registers,
    });
    this.auditFailures = new Counter({
      name: "secrethub_audit_failures_total",
      help: "Audit entries a device failed to record.",
      labelNames: ["device"],
      registers,
    });
    this.auditBrokerFailures = new Counter({
      name: "secrethub_audit_broker_failures_total",
      help: "Requests refused because no audit device recorded them (fail closed), by stage.",
      labelNames: ["stage"],
      registers,
    });
    this.defineGauges(opts);
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  private defineGauges(opts: MetricsOptions): void {
    const registers = [this.registry];
    const { sources } = opts;
    new Gauge({
      name: "secrethub_build_info",
      help: "Always 1; the version label says which build answers.",
      labelNames: ["version"],
      registers,
    }).set({ version: opts.version }, 1);
    new Gauge({
      name: "secrethub_sealed",
      help: "1 while sealed (or not yet initialized), 0 once unsealed.",
      registers,
      async collect() {
        const st = await settle(sources.sealState());
        if (st) this.set(st.sealed ? 1 : 0);
      },
    });
    new Gauge({
      name: "secrethub_initialized",
      help: "1 once initialized, else 0.",
      registers,
      async collect() {
        const st = await settle(sources.sealState());
        if (st) this.set(st.initialized ? 1 : 0);
      },
    });
    countGauge(
      this.registry,
      "secrethub_tokens_active",
      "Tokens in the token store (last count while sealed).",
      sources.activeTokens,
    );
    countGauge(
      this.registry,
      "secrethub_leases_active",
      "Leases not yet expired or revoked (0 while no lease manager is wired).",
      sources.activeLeases,
    );
    const pool = sources.poolUtilization;
    new Gauge({
      name: "secrethub_db_pool_utilization",
      help: "Database connections in use, in percent of the pool (0 for embedded storage).",
      registers,
      collect() {
        this.set(pool ? Math.round(pool() * 10000) / 100 : 0);
      },
    });
  }

  /** Records one finished /v1 request. */
  observe(f: RequestFacts): void {
    const mount = f.mountPath || UNMATCHED;
    this.requestDuration.observe({ method: f.method, mount, status: String(f.status) }, f.durationMs);
    if (isSecretEngine(f)) {
      this.secretAccess.inc({ operation: f.operation, mount, result: accessResult(f.status) });
      this.secretLatency.observe({ operation: f.operation, mount }, f.durationMs / 1000);
    }
    if (isLoginFailure(f)) this.loginFailures.inc({ mount });
  }

  cache(name: string): CacheCounter {
    const counts = this.localCaches.get(name) ?? { hits: 0, misses: 0 };
    this.localCaches.set(name, counts);
    return {
      hit: () => {
        counts.hits++;
      },
      miss: () => {
        counts.misses++;
      },
    };
  }

  /** Runs a rotation and counts its result; the rotation's own outcome is returned unchanged. */
  async rotation<T>(kind: string, rotate: () => Promise<T>): Promise<T> {
    try {
      const out = await rotate();
      this.rotations.inc({ kind, result: "success" });
      return out;
    } catch (err) {
      this.rotations.inc({ kind, result: "failure" });
      throw err;
    }
  }

  readonly auditDevice: AuditDeviceCounter = {
    written: (device, entries = 1) => this.auditWrites.inc({ device }, entries),
    failed: (device, entries = 1) => this.auditFailures.inc({ device }, entries),
  };

  auditBrokerFailed(stage: "request" | "response"): void {
    this.auditBrokerFailures.inc({ stage });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition (format 0.0.4). */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}

/** How long a scrape waits for one source (storage may be locked or slow) before keeping the old value. */
const SOURCE_TIMEOUT_MS = 1000;

/** The source's value, or undefined when it fails or does not answer in time: a scrape never hangs. */
async function settle<T>(p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), SOURCE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([p, late]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function countGauge(
  registry: Registry,
  name: string,
  help: string,
  count: (() => Promise<number | undefined>) | undefined,
): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      const n = count ? await settle(count()) : 0;
      if (n !== undefined) this.set(n);
    },
  });
}

/** At a scrape: adds the barrier's increase and our caches' counts since the last one, then zeroes those. */
function flushCacheCounts(
  counter: Counter<"cache">,
  kind: "hits" | "misses",
  barrierIncrease: number,
  caches: ReadonlyMap<string, { hits: number; misses: number }>,
): void {
  if (barrierIncrease > 0) counter.inc({ cache: "barrier" }, barrierIncrease);
  for (const [cache, counts] of caches) {
    if (counts[kind] > 0) counter.inc({ cache }, counts[kind]);
    counts[kind] = 0;
  }
}

/** Increases of a source's running hit and miss totals since the previous call of each. */
function totalsSince(source: MetricSources["readCache"]): { hits(): number; misses(): number } {
  let hits = 0;
  let misses = 0;
  return {
    hits() {
      const now = source?.().hits ?? hits;
      const d = Math.max(0, now - hits);
      hits = now;
      return d;
    },
    misses() {
      const now = source?.().misses ?? misses;
      const d = Math.max(0, now - misses);
      misses = now;
      return d;
    },
  };
}
