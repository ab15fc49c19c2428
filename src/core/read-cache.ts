/**
 * A bounded LRU of decrypted values for the barrier's hot keys (tokens, KV metadata), so a read of a
 * hot secret skips storage and decryption. Invariants: it is emptied when the barrier seals; a write
 * or delete evicts its key before touching storage, and a read that started before a write finished
 * never repopulates the cache with the older value (per-key write epochs); `invalidate(key)` lets an
 * HA peer's change evict a key. Bytes are copied in and out, so no caller can alter a cached value;
 * a decoded value (`parsed`) is kept next to its bytes only when the caller froze it, and goes with them.
 */
interface Entry {
  readonly bytes: Uint8Array;
  /** When it was last moved to the young end of the LRU order (a count of moves). */
  moved: number;
  /** The last decoding of `bytes`, keyed by the decoder that made it (a frozen value). */
  decoded?: { readonly decoder: unknown; readonly value: unknown };
}

export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly lastWrite = new Map<string, number>();
  private epoch = 0;
  private moves = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly limit: number) {}

  get enabled(): boolean {
    return this.limit > 0;
  }

  get(key: string): Uint8Array | undefined {
    const e = this.touch(key);
    return e === undefined ? undefined : Uint8Array.from(e.bytes);
  }

  /**
   * The value `decoder` made of this key's cached bytes, if it made one since they were cached.
   * Callers hand `decoder` a stable identity (a module-level function) and freeze what it returns.
   */
  decoded(key: string, decoder: unknown): { readonly value: unknown } | undefined {
    const e = this.entries.get(key);
    if (e?.decoded === undefined || e.decoded.decoder !== decoder) return undefined;
    this.touch(key);
    return e.decoded;
  }

  /**
   * Keeps a frozen decoding of the bytes a read that began at `startedAt` found; dropped when a
   * write to the key began since then (the bytes it was made from may be stale).
   */
  keepDecoded(key: string, decoder: unknown, value: unknown, startedAt: number): void {
    const e = this.entries.get(key);
    if (e === undefined || (this.lastWrite.get(key) ?? -1) >= startedAt) return;
    e.decoded = { decoder, value };
  }

  private touch(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Approximate LRU: a hit moves the entry to the young end only once it has drifted a quarter of
    // the way to the old end, so the hottest keys do not pay a Map delete + insert on every read.
    if (this.moves - e.moved > this.limit / 4) {
      e.moved = ++this.moves;
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  /** The epoch to hand back to `fill` once the storage read completes. */
  startRead(): number {
    return this.epoch;
  }

  fill(key: string, value: Uint8Array, startedAt: number): void {
    if (!this.enabled || (this.lastWrite.get(key) ?? -1) >= startedAt) return;
    this.entries.set(key, { bytes: Uint8Array.from(value), moved: ++this.moves });
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
    for (const e of this.entries.values()) e.bytes.fill(0);
    this.entries.clear();
    this.epoch++;
  }
}
