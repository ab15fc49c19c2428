/**
 * StorageView over bytes: JSON encoding, prefixing and key hygiene. The barrier supplies the byte
 * store (which encrypts), so every view a mount gets writes ciphertext only.
 */
import { BadRequest } from "./errors.js";
import type { Parser, StorageView } from "./request.js";

/** Byte-level access below the barrier, keyed by full storage path. */
export interface ByteStore {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Like `get`, then `decode`; a store with a read cache may serve a cached decoding instead. */
  getDecoded?<T>(key: string, decode: (bytes: Uint8Array) => T): Promise<T | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Makes a stored value immutable all the way down: it may be shared by every later reader. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** One decoder per parser, so a store can recognise a decoding it already made. */
const decoders = new WeakMap<Parser<unknown>, (bytes: Uint8Array) => unknown>();

function decoderFor<T>(parser: Parser<T>): (bytes: Uint8Array) => T {
  let d = decoders.get(parser);
  if (d === undefined) {
    const parse = typeof parser === "function" ? parser : (raw: unknown) => parser.parse(raw);
    d = (bytes) => deepFreeze(parse(JSON.parse(decoder.decode(bytes))));
    decoders.set(parser, d);
  }
  return d as (bytes: Uint8Array) => T;
}

/** Rejects keys that could escape a prefix or confuse list semantics. */
/** A "." or ".." segment anywhere in a key (runs on every storage access, hence one regex). */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

export function checkKey(key: string): void {
  const refused = keyProblem(key);
  if (refused) throw refused;
}

function keyProblem(key: string): BadRequest | undefined {
  if (key.startsWith("/") || (key.includes(".") && DOT_SEGMENT.test(key))) {
    return new BadRequest("invalid path: must not contain '.' or '..' segments or start with '/'");
  }
  if (key.includes("\u0000")) return new BadRequest("invalid path: NUL byte");
  return undefined;
}

export class PrefixedView implements StorageView {
  constructor(
    private readonly store: ByteStore,
    readonly prefix: string,
  ) {}

  /**
   * The parsed value at `key`, deeply frozen: it may be served from the barrier's read cache to every
   * later reader, so callers copy before they change it. Pass a schema or a module-level function: the
   * cache recognises a decoding by the identity of the parser that made it.
   */
  read<T>(key: string, parser: Parser<T>): Promise<T | undefined> {
    // Not an async function: a cached read then costs one resolved promise, not three microtasks.
    const refused = keyProblem(key);
    if (refused) return Promise.reject(refused);
    const decode = decoderFor(parser);
    if (this.store.getDecoded) return this.store.getDecoded(this.prefix + key, decode);
    return this.store
      .get(this.prefix + key)
      .then((bytes) => (bytes === undefined ? undefined : decode(bytes)));
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
