/**
 * storage/ owns the physical storage contract and its implementations (memory, SQLite, PostgreSQL).
 * A StorageBackend is completely untrusted: it only ever sees ciphertext produced by the barrier
 * (core/barrier.ts) and keys that are storage paths. It must never import anything else of ours.
 */

/** One write in an all-or-nothing batch. */
export type StorageOp =
  | { readonly kind: "put"; readonly key: string; readonly value: Uint8Array }
  | { readonly kind: "delete"; readonly key: string };

/**
 * Invariants:
 * - `put` and `transaction` resolve only once the write is durable (survives `kill -9`).
 * - `delete` is idempotent; deleting a missing key is not an error.
 * - `list(prefix)` returns the direct children of `prefix` in lexicographic order: a key below a child
 *   "folder" is reported once as `name/`. `prefix` is "" or ends with "/".
 * - Failures of the underlying engine reject with StorageUnavailable, never with the engine's own error
 *   text (which could echo keys or values).
 * - Keys are non-empty and contain no NUL (PostgreSQL TEXT cannot hold one); a write with such a key
 *   rejects with InvalidStorageKey, and a transaction containing one applies nothing.
 */
export interface StorageBackend {
  readonly kind: string;
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  transaction(ops: readonly StorageOp[]): Promise<void>;
  /** Cheap liveness probe, used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Shared backends only (several server nodes on one database): calls `onChange` with the keys other
   * nodes wrote, or "all" when notices may have been missed. Resolves once watching; returns a stop.
   */
  watch?(onChange: (keys: readonly string[] | "all") => void): Promise<() => Promise<void>>;
  /** Shared backends only: holds a lock named `name`, across all nodes, while `critical` runs. */
  withLock?<T>(name: string, critical: () => Promise<T>): Promise<T>;
}

export class StorageUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageUnavailable";
  }
}

/** Direct children of `prefix` among `keys` (already filtered to start with `prefix`). */
export function childrenOf(prefix: string, keys: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf("/");
    out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  out.delete("");
  return [...out].sort();
}

/** A key no backend may store (empty or containing NUL). A programming error, never user-facing. */
export class InvalidStorageKey extends Error {
  constructor() {
    super("invalid storage key: must be non-empty and contain no NUL");
    this.name = "InvalidStorageKey";
  }
}

export function checkStorageKey(key: string): void {
  if (key === "" || key.includes("\u0000")) throw new InvalidStorageKey();
}

/**
 * The smallest string greater than every string that starts with `prefix`, in code point order (which
 * is UTF-8 byte order, the order of SQLite's BINARY and PostgreSQL's "C" collation); undefined when no
 * such bound exists (empty prefix, or only U+10FFFF). Backends list with `key >= prefix AND key < bound`.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const chars = [...prefix];
  while (chars.length > 0) {
    const last = chars.pop() ?? "";
    const cp = last.codePointAt(0) ?? 0;
    if (cp < 0x10ffff) {
      const next = cp === 0xd7ff ? 0xe000 : cp + 1;
      return chars.join("") + String.fromCodePoint(next);
    }
  }
  return undefined;
}
