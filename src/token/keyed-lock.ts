/**
 * Serialises async critical sections per key inside one process, so a read-modify-write of a token entry
 * (use count, renewal) cannot interleave with another or resurrect a token being revoked.
 * It does not coordinate HA nodes; see store.ts.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, critical: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await critical();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a critical section running or queued; for tests and leak checks. */
  get size(): number {
    return this.tails.size;
  }
}
