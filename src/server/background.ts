/**
 * The server's background duties: auto-unseal retries at start-up, and (HA) applying other nodes'
 * writes to this node's caches. Both are started and stopped by main.ts.
 */
import type { Logger } from "pino";
import { KEYRING_KEY, type Barrier } from "../core/barrier.js";
import type { Lifecycle } from "../core/lifecycle.js";
import { MOUNTS_KEY } from "../core/mount-table.js";
import type { PolicyStore } from "../core/policy-store.js";

/** Where the policy store and the mount table live (the HA change feed maps keys back to them). */
const POLICY_PREFIX = "sys/policy/";
const MOUNT_TABLE_PREFIX = "core/";
const MOUNT_TABLE_KEY = MOUNT_TABLE_PREFIX + MOUNTS_KEY;

export { POLICY_PREFIX, MOUNT_TABLE_PREFIX };

/**
 * Auto-unseal at start-up: asks the key service to unwrap the root key, and while it cannot (KMS
 * unreachable, no permission yet) stays sealed and retries with backoff (1 s doubling to 30 s), as
 * Vault does. Stops once unsealed, or when the server closes. The error's cause is logged by name
 * only: the SDK's messages never hold key bytes, but request ids and ARNs are all an operator needs.
 */
export function keepAutoUnsealing(lifecycle: Lifecycle, logger: Logger, closed: () => boolean): () => void {
  let timer: NodeJS.Timeout | undefined;
  let delay = 1000;
  const attempt = async (): Promise<void> => {
    timer = undefined;
    if (closed()) return;
    try {
      if (await lifecycle.autoUnseal()) logger.info("auto-unseal: unsealed through the key service");
      return;
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      logger.warn({ retryInMs: delay, cause }, "auto-unseal failed; staying sealed and retrying");
    }
    if (closed()) return;
    timer = setTimeout(() => void attempt(), delay);
    timer.unref();
    delay = Math.min(delay * 2, 30_000);
  };
  void attempt();
  return () => {
    if (timer) clearTimeout(timer);
  };
}

/**
 * What another node's write means here. Every key leaves the barrier's read cache (and the keyring
 * reloads, after a rotation elsewhere); policies and the mount table also drop their own caches.
 * "all" (a gap in the change feed) drops everything. Applied in order, one batch at a time.
 */
export function remoteChanges(deps: {
  barrier: Barrier;
  policies: PolicyStore;
  lifecycle: Lifecycle;
  logger: Logger;
}): (keys: readonly string[] | "all") => void {
  let queue: Promise<void> = Promise.resolve();
  const apply = async (keys: readonly string[] | "all"): Promise<void> => {
    if (keys === "all") {
      deps.barrier.cache.clear();
      await deps.barrier.invalidate(KEYRING_KEY);
      deps.policies.invalidate();
      await deps.lifecycle.reloadMounts();
      return;
    }
    for (const key of keys) {
      await deps.barrier.invalidate(key);
      if (key.startsWith(POLICY_PREFIX)) deps.policies.invalidate(key.slice(POLICY_PREFIX.length));
      if (key === MOUNT_TABLE_KEY) await deps.lifecycle.reloadMounts();
    }
  };
  return (keys) => {
    queue = queue
      .then(() => apply(keys))
      .catch((err: unknown) => deps.logger.error({ err }, "applying another node's changes failed"));
  };
}
