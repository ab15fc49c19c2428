/**
 * Routes outside /v1 for load balancers, Kubernetes and Prometheus. None needs a token and none
 * reveals more than the seal state.
 *   /health   liveness: 200 while the process serves HTTP, sealed or not (restarting a sealed server
 *             would not unseal it; /v1/sys/health keeps Vault's seal-aware codes).
 *   /ready    readiness: 200 only when initialized, unsealed, not shutting down and storage answers;
 *             503 with {"status":"not_ready","reason":...} otherwise.
 *   /startup  200 once start-up has finished, 503 before.
 *   /metrics  the Prometheus exposition, registered only when enabled (PROMETHEUS_ENABLED=true).
 */
import type { FastifyInstance, FastifyReply } from "fastify";

export interface ProbeSources {
  readonly version: string;
  readonly uptimeSeconds: () => number;
  readonly started: () => boolean;
  readonly draining: () => boolean;
  readonly sealState: () => Promise<{ initialized: boolean; sealed: boolean }>;
  /** Resolves when storage answers a trivial query. */
  readonly pingStorage: () => Promise<void>;
  /** How long /ready waits for storage before calling it unavailable; 2 s unless set. */
  readonly pingTimeoutMs?: number;
}

export type NotReadyReason =
  "starting" | "shutting_down" | "uninitialized" | "sealed" | "storage_unavailable";

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Why the server cannot take traffic now, or undefined when it can. */
export async function notReadyReason(s: ProbeSources): Promise<NotReadyReason | undefined> {
  if (s.draining()) return "shutting_down";
  if (!s.started()) return "starting";
  const timeoutMs = s.pingTimeoutMs ?? 2000;
  let state: { initialized: boolean; sealed: boolean };
  try {
    state = await within(s.sealState(), timeoutMs);
  } catch {
    return "storage_unavailable";
  }
  if (!state.initialized) return "uninitialized";
  if (state.sealed) return "sealed";
  try {
    await within(s.pingStorage(), timeoutMs);
  } catch {
    return "storage_unavailable";
  }
  return undefined;
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header("cache-control", "no-store").send(body);
}

export function probeRoutes(s: ProbeSources): (app: FastifyInstance) => void {
  return (app) => {
    app.get("/health", (_req, reply) =>
      send(reply, 200, { status: "healthy", uptime: s.uptimeSeconds(), version: s.version }),
    );
    app.get("/ready", async (_req, reply) => {
      const reason = await notReadyReason(s);
      return reason
        ? send(reply, 503, { status: "not_ready", reason })
        : send(reply, 200, { status: "ready" });
    });
    app.get("/startup", (_req, reply) =>
      s.started() ? send(reply, 200, { status: "started" }) : send(reply, 503, { status: "starting" }),
    );
  };
}

/** GET /metrics: the same exposition as /v1/sys/metrics?format=prometheus, without a token. */
export function metricsRoute(exposition: () => Promise<{ contentType: string; body: string }>) {
  return (app: FastifyInstance): void => {
    app.get("/metrics", async (_req, reply) => {
      const { contentType, body } = await exposition();
      return reply.type(contentType).header("cache-control", "no-store").send(body);
    });
  };
}
