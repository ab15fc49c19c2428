/**
 * The composition root: builds storage, barrier, seal, stores, backends, the pipeline and the HTTP
 * app from a ServerConfig, and owns start-up and graceful shutdown. The only place that wires.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { AuditBroker } from "../audit/broker.js";
import { Barrier } from "../core/barrier.js";
import { systemClock, type Clock } from "../core/clock.js";
import { Lifecycle } from "../core/lifecycle.js";
import { LocalLocks, SharedLocks, type Locks } from "../core/locks.js";
import { deleteTree } from "../core/view.js";
import { MountTable } from "../core/mount-table.js";
import { createPipeline, type Pipeline } from "../core/pipeline.js";
import { PolicyStore } from "../core/policy-store.js";
import { Router } from "../core/router.js";
import { ShamirSeal } from "../core/seal.js";
import { AutoSeal } from "../core/auto-seal.js";
import { awsKmsWrapper } from "./awskms.js";
import { BackendRouter } from "../framework/backend.js";
import { buildApp } from "../http/app.js";
import { drain } from "../http/drain.js";
import { openAuditTable } from "../storage/audit-table-open.js";
import { MemoryStorage } from "../storage/memory.js";
import { PostgresStorage } from "../storage/postgres.js";
import { SqliteStorage } from "../storage/sqlite.js";
import { StorageUnavailable, type StorageBackend } from "../storage/storage.js";
import { sysBackend } from "../sys/index.js";
import { runbookPoliciesBackend } from "../sys/runbook-policies.js";
import { DEFAULT_LOCKOUT, LoginGuard } from "../core/login-guard.js";
import { ensureAdmin } from "./admin-bootstrap.js";
import { createLogger } from "../telemetry/logger.js";
import { MOUNT_TABLE_PREFIX, POLICY_PREFIX, keepAutoUnsealing, remoteChanges } from "./background.js";
import { RedisLoginGuard } from "./redis-lockout.js";
import { TokenStore } from "../token/store.js";
import { authTypes, backendFactory, engineTypes } from "./backends.js";
import { ConfigError, type ServerConfig, type StorageConfig } from "./config.js";
import { observability } from "./observability.js";

export const VERSION = "0.1.0";

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly lifecycle: Lifecycle;
  readonly storage: StorageBackend;
  /** The core pipeline without HTTP, for in-process benchmarks (bench/pipeline.ts). */
  readonly pipeline: Pipeline;
  close(): Promise<void>;
}

function openStorage(cfg: StorageConfig): StorageBackend {
  switch (cfg.type) {
    case "sqlite":
      return new SqliteStorage(cfg.path);
    case "postgresql":
      return new PostgresStorage({
        connectionString: cfg.connectionUrl,
        table: cfg.table,
        poolSize: cfg.poolSize,
      });
    case "inmem":
      return new MemoryStorage();
  }
}

export async function startServer(
  config: ServerConfig,
  opts: {
    logger?: Logger;
    clock?: Clock;
    /** Bound on finishing in-flight requests at shutdown; 10 s unless set. */
    shutdownTimeoutMs?: number;
  } = {},
): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const storage = openStorage(config.storage);
  const barrier = new Barrier(storage, clock, { cacheEntries: config.cacheEntries });
  // Auto-unseal (runbook 001): the root key is wrapped by AWS KMS; otherwise Shamir key shares.
  const seal = config.seal ? new AutoSeal(barrier, awsKmsWrapper(config.seal)) : new ShamirSeal(barrier);
  // Storage initialized under another seal type cannot be opened: say so at start-up, in one line.
  // (A database that is merely unreachable does not stop start-up: the node answers 503 until it is.)
  try {
    await seal.config();
  } catch (err) {
    if (!(err instanceof StorageUnavailable)) {
      await storage.close().catch(() => undefined);
      throw new ConfigError(err instanceof Error ? err.message : String(err));
    }
  }
  // Read-modify-write sections: per process, and across nodes when the storage is shared.
  const withLock = storage.withLock?.bind(storage);
  const locks: Locks = withLock ? new SharedLocks(new LocalLocks(), withLock) : new LocalLocks();
  const tokens = new TokenStore({ storage: barrier.view("sys/token/"), clock, locks });
  // Observability (issue #5): metrics, request observer, probes. Sources are read on each scrape.
  const obs = observability({
    config,
    version: VERSION,
    logger,
    clock,
    storage,
    sources: {
      sealState: () => seal.status(),
      activeTokens: async () => (barrier.sealed ? undefined : (await tokens.listAccessors()).length),
      readCache: () => barrier.cache,
      ...(storage instanceof PostgresStorage ? { poolUtilization: () => storage.poolUtilization() } : {}),
    },
  });
  const policies = new PolicyStore(barrier.view(POLICY_PREFIX), obs.metrics.cache("acl"));
  const mounts = new MountTable(barrier.view(MOUNT_TABLE_PREFIX));
  const router = new Router(backendFactory({ clock, tokens, locks }), () => barrier.view(""));
  // Audit (issue #4): devices and checkpoints live behind the barrier; reloaded after each unseal.
  const audit = new AuditBroker({
    storage: barrier.view("core/audit/"),
    clock,
    table: openAuditTable(config.storage),
    counter: obs.metrics.auditDevice,
    onError: (message, err) => logger.error({ err }, message),
  });
  // Invariant: a revoked token's cubbyhole goes with it.
  tokens.onRevoke(async (idHash) => {
    const cubbyhole = router.match("cubbyhole/");
    if (cubbyhole) await deleteTree(cubbyhole.mounted.storage.sub(`${idHash}/`));
  });
  const lifecycle = new Lifecycle({
    seal,
    mounts,
    router,
    policies,
    tokens: {
      createRootToken: async () =>
        (await tokens.create({ policies: ["root"], displayName: "root", path: "auth/token/root" })).token,
    },
    afterUnseal: async () => {
      await audit.load();
      // Admin bootstrap (issue #3): a failure is logged, never turned into a failed unseal.
      const admin = config.admin;
      if (admin) {
        await ensureAdmin({ mounts, router, policies, admin }).catch((err: unknown) =>
          logger.error({ err }, "admin bootstrap failed"),
        );
      }
    },
    onSeal: () => audit.unload(),
  });
  const info = {
    version: VERSION,
    buildDate: "2026-11-23T00:00:00Z",
    clusterName: config.clusterName,
    clusterId: randomUUID(),
    storageType: storage.kind,
    hostname: hostname(),
    apiAddr: config.apiAddr,
  };
  const sys = new BackendRouter(
    sysBackend({
      lifecycle,
      seal,
      mounts,
      router,
      policies,
      acls: policies,
      keys: {
        rotate: () => obs.metrics.rotation("barrier_key", () => barrier.rotate()),
        keyStatus: () => barrier.keyStatus(),
      },
      info,
      engineTypes,
      authTypes,
      now: () => clock.now(),
      audit,
      metrics: obs.sysMetrics,
    }),
  );
  // Login lockout (issue #3): per node in memory, or shared by all nodes through Redis (REDIS_URL).
  const lockout = config.loginLockout ?? DEFAULT_LOCKOUT;
  const localGuard = new LoginGuard(lockout, clock);
  const redis = config.redisUrl ? await RedisLoginGuard.connect(config.redisUrl) : undefined;
  const loginGuard = redis
    ? new RedisLoginGuard(redis, lockout, localGuard, (err) =>
        logger.warn(
          { err: err instanceof Error ? err.message : String(err) },
          "redis unreachable: login lockout is per node until it returns",
        ),
      )
    : localGuard;
  const pipeline = createPipeline({
    sealed: () => barrier.sealed,
    system: new Map([
      ["sys/", { router: sys, type: "system" }],
      // The runbook's policy API (issue #3), authorized like any path.
      ["policies/", { router: new BackendRouter(runbookPoliciesBackend(policies)), type: "system" }],
    ]),
    router,
    tokens,
    acls: policies,
    audit: obs.audit(audit),
    observer: obs.observer,
    clock,
    sysStorage: () => barrier.view("sys/"),
    loginGuard,
  });
  const app = buildApp({
    pipeline,
    logger,
    bodyLimit: config.listener.maxRequestSize,
    trustedProxies: config.listener.trustedProxies,
    plugins: obs.plugins,
    ...(config.listener.tls
      ? {
          https: {
            cert: readFileSync(config.listener.tls.certFile),
            key: readFileSync(config.listener.tls.keyFile),
          },
        }
      : {}),
  });
  // HA (several nodes on one PostgreSQL): other nodes' writes evict what this node caches.
  const stopWatching = storage.watch
    ? await storage.watch(remoteChanges({ barrier, policies, lifecycle, logger }))
    : undefined;
  const address = await app.listen({ host: config.listener.host, port: config.listener.port });
  const url = address.replace("0.0.0.0", "127.0.0.1").replace("[::]", "[::1]");
  obs.markStarted();
  let closed = false;
  const stopAutoUnseal = lifecycle.autoUnsealing
    ? keepAutoUnsealing(lifecycle, logger, () => closed)
    : undefined;
  return {
    url,
    app,
    lifecycle,
    storage,
    pipeline,
    close: async () => {
      if (closed) return;
      closed = true;
      stopAutoUnseal?.();
      await stopWatching?.().catch(() => undefined);
      redis?.disconnect();
      // Graceful shutdown (issue #5): /ready turns 503, no new connections, in-flight requests finish
      // within the bound, then audit flushes and storage closes.
      obs.markDraining();
      if (!(await drain(app, opts.shutdownTimeoutMs ?? 10_000)))
        logger.warn("shutdown: connections still open after the drain timeout were cut");
      // Audit (issue #4): checkpoint the chain heads while the barrier is still open.
      await audit.close().catch((err: unknown) => logger.error({ err }, "closing audit devices"));
      await lifecycle.seal().catch(() => undefined);
      await storage.close();
    },
  };
}
