/**
 * A bounded map for memos on the request path (targets per path, route matches, storage keys,
 * HMACs): at most `entries` keys, and keys longer than `keyLength` are never kept, so callers who
 * send arbitrary paths cannot grow it; when full it starts over (cheaper than LRU bookkeeping, and
 * the hot keys come straight back). Use as `memo.get(k) ?? memo.remember(k, compute(k))`.
 */
export class BoundedMemo<V> {
  private map = new Map<string, V>();

  constructor(
    private readonly entries: number,
    private readonly keyLength = Number.POSITIVE_INFINITY,
  ) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  /** Keeps `value` under `key` if the key is short enough; returns `value` either way. */
  remember(key: string, value: V): V {
    if (key.length <= this.keyLength) {
      if (this.map.size >= this.entries) this.map.clear();
      this.map.set(key, value);
    }
    return value;
  }

  /** The keys kept now (for inspection). */
  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  clear(): void {
    this.map = new Map();
  }
}
