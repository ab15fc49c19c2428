/**
 * Critical sections for read-modify-write cycles (KV check-and-set, token use counts, AppRole secret
 * id uses), by name. `LocalLocks` serializes within this process. On storage shared by several nodes,
 * `SharedLocks` also takes the storage's own lock (a PostgreSQL advisory lock) and runs the section
 * with fresh reads: the barrier's read cache is bypassed inside it, because another node's write may
 * have committed a moment before its change notice reaches this node.
 * Invariant: two sections with the same name never overlap, on one node or across nodes.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface Locks {
  run<T>(name: string, critical: () => Promise<T>): Promise<T>;
}

/** Set inside a shared critical section: reads there must come from storage, not from a cache. */
export const freshReads = new AsyncLocalStorage<true>();

export class LocalLocks implements Locks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(name: string, critical: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(name, tail);
    await previous;
    try {
      return await critical();
    } finally {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }

  /** Names with a section running or queued; for tests and leak checks. */
  get size(): number {
    return this.tails.size;
  }
}

/** The storage's cross-node lock: holds `name` for the duration of `critical`. */
export type DistributedLock = <T>(name: string, critical: () => Promise<T>) => Promise<T>;

export class SharedLocks implements Locks {
  constructor(
    private readonly local: LocalLocks,
    private readonly distributed: DistributedLock,
  ) {}

  run<T>(name: string, critical: () => Promise<T>): Promise<T> {
    // Local first: a node's own contention never holds a database connection while it waits.
    return this.local.run(name, () => this.distributed(name, () => freshReads.run(true, critical)));
  }
}

/** The same locks with every name under `prefix` (one namespace per user: "token/", a mount path ...). */
export function scopedLocks(locks: Locks, prefix: string): Locks {
  return { run: (name, critical) => locks.run(prefix + name, critical) };
}
