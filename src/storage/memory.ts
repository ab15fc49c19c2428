/** In-memory storage for dev mode and unit tests; proven equivalent by storage.contract.ts. */
import { checkStorageKey, childrenOf, type StorageBackend, type StorageOp } from "./storage.js";

export class MemoryStorage implements StorageBackend {
  readonly kind = "inmem";
  private readonly data = new Map<string, Uint8Array>();

  get(key: string): Promise<Uint8Array | undefined> {
    const v = this.data.get(key);
    return Promise.resolve(v === undefined ? undefined : new Uint8Array(v));
  }

  put(key: string, value: Uint8Array): Promise<void> {
    return this.transaction([{ kind: "put", key, value }]);
  }

  delete(key: string): Promise<void> {
    this.data.delete(key);
    return Promise.resolve();
  }

  list(prefix: string): Promise<string[]> {
    return Promise.resolve(childrenOf(prefix, this.data.keys()));
  }

  transaction(ops: readonly StorageOp[]): Promise<void> {
    try {
      for (const op of ops) checkStorageKey(op.key);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    for (const op of ops) {
      if (op.kind === "put") this.data.set(op.key, new Uint8Array(op.value));
      else this.data.delete(op.key);
    }
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
