/**
 * StorageView over bytes: JSON encoding, prefixing and key hygiene. The barrier supplies the byte
 * store (which encrypts), so every view a mount gets writes ciphertext only.
 */
import { BadRequest } from "./errors.js";
import type { StorageView } from "./request.js";

/** Byte-level access below the barrier, keyed by full storage path. */
export interface ByteStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Rejects keys that could escape a prefix or confuse list semantics. */
export function checkKey(key: string): void {
  if (key.startsWith("/") || key.split("/").some((s) => s === ".." || s === ".")) {
    throw new BadRequest("invalid path: must not contain '.' or '..' segments or start with '/'");
  }
  if (key.includes("\u0000")) throw new BadRequest("invalid path: NUL byte");
}

export class PrefixedView implements StorageView {
  constructor(
    private readonly store: ByteStore,
    readonly prefix: string,
  ) {}

  async read<T>(key: string, parse: (raw: unknown) => T): Promise<T | undefined> {
    checkKey(key);
    const bytes = await this.store.get(this.prefix + key);
    if (bytes === undefined) return undefined;
    return parse(JSON.parse(decoder.decode(bytes)));
  }

  async write(key: string, value: unknown): Promise<void> {
    checkKey(key);
    await this.store.put(this.prefix + key, encoder.encode(JSON.stringify(value)));
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.store.delete(this.prefix + key);
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix !== "") checkKey(prefix);
    return this.store.list(this.prefix + prefix);
  }

  sub(prefix: string): StorageView {
    checkKey(prefix);
    return new PrefixedView(this.store, this.prefix + prefix);
  }
}

/** Deletes every key below a view (depth first); for wiping a revoked token's cubbyhole. */
export async function deleteTree(view: StorageView, prefix = ""): Promise<void> {
  for (const child of await view.list(prefix)) {
    if (child.endsWith("/")) await deleteTree(view, prefix + child);
    else await view.delete(prefix + child);
  }
}
