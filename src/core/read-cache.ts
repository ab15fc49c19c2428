/**
 * A bounded LRU of decrypted values for the barrier's hot keys (tokens, KV metadata), so a read of a
 * hot secret skips storage and decryption. Invariants: it is emptied when the barrier seals; a write
 * or delete evicts its key before touching storage, and a read that started before a write finished
 * never repopulates the cache with the older value (per-key write epochs); `invalidate(key)` lets an
 * HA peer's change evict a key. Values are copied in and out, so no caller can alter a cached value.
 */
export class ReadCache {
  private readonly entries = new Map<string, Uint8Array>();
  private readonly lastWrite = new Map<string, number>();
  private epoch = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly limit: number) {}

  get enabled(): boolean {
    return this.limit > 0;
  }

  get(key: string): Uint8Array | undefined {
    const v = this.entries.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, v);
    return Uint8Array.from(v);
  }

  /** The epoch to hand back to `fill` once the storage read completes. */
  startRead(): number {
    return this.epoch;
  }

  fill(key: string, value: Uint8Array, startedAt: number): void {
    if (!this.enabled || (this.lastWrite.get(key) ?? -1) >= startedAt) return;
    this.entries.set(key, Uint8Array.from(value));
    if (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** Called before a write or delete of `key` reaches storage, and by HA invalidation. */
  invalidate(key: string): void {
    this.epoch++;
    this.lastWrite.set(key, this.epoch);
    this.entries.delete(key);
    // lastWrite only needs to outlive reads in flight; keep it bounded like the cache itself.
    if (this.lastWrite.size > Math.max(1024, this.limit)) {
      const oldest = this.lastWrite.keys().next().value;
      if (oldest !== undefined) this.lastWrite.delete(oldest);
    }
  }

  /** A write of some key finished: reads starting from now may cache what they find. */
  writeDone(): void {
    this.epoch++;
  }

  clear(): void {
    for (const v of this.entries.values()) v.fill(0);
    this.entries.clear();
    this.epoch++;
  }
}
