/**
 * The security barrier: the only door between the core and storage (Vault's AESGCMBarrier).
 * Every value passing through a view is encrypted with the keyring's active term, with the full
 * storage path as AAD, so a value copied to another key fails to decrypt.
 * Invariant: no plaintext reaches StorageBackend. The only unencrypted writes are the keyring itself
 * (encrypted under the unseal key) and `rawPut`, reserved for non-secret bootstrap config such as the
 * seal configuration, which must be readable while sealed.
 */
import { DecryptionFailed, KEY_BYTES, decrypt, encrypt } from "../crypto/aead.js";
import { Keyring, KeyringParseError } from "../crypto/keyring.js";
import type { StorageBackend } from "../storage/storage.js";
import { systemClock, type Clock } from "./clock.js";
import { BadRequest, InvalidUnsealKey, SecretHubError, Sealed } from "./errors.js";
import type { StorageView } from "./request.js";
import { freshReads } from "./locks.js";
import { ReadCache } from "./read-cache.js";
import { PrefixedView, type ByteStore } from "./view.js";

export const KEYRING_KEY = "core/keyring";
/** Term recorded in the header of the keyring blob, which is encrypted by the unseal key, not a term. */
const UNSEAL_KEY_TERM = 0;
const encoder = new TextEncoder();

export interface KeyStatus {
  readonly term: number;
  readonly installTime: Date;
  /** Encryptions with the active term since this node unsealed or rotated. */
  readonly encryptions?: number;
}

/** A stored value that fails authentication: tampered, moved to another key, or from another keyring. */
export class BarrierIntegrityError extends SecretHubError {
  constructor(options?: { cause?: unknown }) {
    super(500, "barrier: stored value failed integrity check", options);
  }
}

export class Barrier {
  private keyring: Keyring | undefined;
  /** Kept while unsealed so a rotation can re-encrypt the keyring; zeroed on seal. */
  private unsealKey: Uint8Array | undefined;
  private readonly bytes: ByteStore;
  private rotation: Promise<unknown> = Promise.resolve();

  /** Decrypted hot values; emptied on seal. Size 0 disables it (config `disable_cache`). */
  readonly cache: ReadCache;

  constructor(
    private readonly storage: StorageBackend,
    private readonly clock: Clock = systemClock,
    options: { cacheEntries?: number } = {},
  ) {
    this.cache = new ReadCache(options.cacheEntries ?? 0);
    this.bytes = {
      get: (key) => this.getDecrypted(key),
      getDecoded: (key, decode) => this.getDecoded(key, decode),
      put: (key, value) => this.putEncrypted(key, value),
      delete: (key) => this.deleteChecked(key),
      list: (prefix) => {
        this.requireKeyring();
        return this.storage.list(prefix);
      },
    };
  }

  get sealed(): boolean {
    return this.keyring === undefined;
  }

  async initialized(): Promise<boolean> {
    return (await this.storage.get(KEYRING_KEY)) !== undefined;
  }

  /** Creates the keyring and stores it encrypted under `unsealKey`. Leaves the barrier sealed. */
  async initialize(unsealKey: Uint8Array): Promise<void> {
    checkUnsealKeyLength(unsealKey);
    if (await this.initialized()) throw new BadRequest("Vault is already initialized");
    const keyring = Keyring.generate(new Date(this.clock.now()));
    try {
      await this.persist(keyring, unsealKey);
    } finally {
      keyring.zero();
    }
  }

  /** Loads the keyring with `unsealKey`. A wrong key throws InvalidUnsealKey and stays sealed. */
  async unseal(unsealKey: Uint8Array): Promise<void> {
    if (!this.sealed) return;
    const keyring = await this.load(unsealKey);
    if (!this.sealed) {
      keyring.zero(); // a concurrent unseal won
      return;
    }
    this.keyring = keyring;
    this.unsealKey = Uint8Array.from(unsealKey);
  }

  /** True when `unsealKey` opens the stored keyring; changes nothing. */
  async unsealKeyCheck(unsealKey: Uint8Array): Promise<boolean> {
    try {
      (await this.load(unsealKey)).zero();
      return true;
    } catch (err) {
      if (err instanceof InvalidUnsealKey) return false;
      throw err;
    }
  }

  /** Drops every key from memory (buffers are zeroed, not just unreferenced). */
  seal(): void {
    this.cache.clear();
    this.keyring?.zero();
    this.keyring = undefined;
    this.unsealKey?.fill(0);
    this.unsealKey = undefined;
  }

  /** Adds a new key term, persists the keyring and returns the term. Older terms still decrypt. */
  rotate(): Promise<number> {
    // Serialized: two concurrent rotations must not both mint term N+1 with different keys.
    const run = this.rotation.then(() => this.rotateNow());
    this.rotation = run.catch(() => undefined);
    return run;
  }

  private async rotateNow(): Promise<number> {
    const keyring = this.requireKeyring();
    const unsealKey = this.unsealKey;
    if (unsealKey === undefined) throw new Sealed();
    const candidate = Keyring.parse(keyring.serialize());
    const term = candidate.rotate(new Date(this.clock.now()));
    await this.persist(candidate, unsealKey);
    if (this.keyring !== keyring) {
      // Sealed (or reloaded) while persisting: never resurrect keys after a seal.
      candidate.zero();
      throw new Sealed();
    }
    this.keyring = candidate;
    keyring.zero();
    return term;
  }

  keyStatus(): KeyStatus {
    const keyring = this.requireKeyring();
    const active = keyring.activeKey();
    return { term: active.term, installTime: active.installTime, encryptions: keyring.encryptions };
  }

  /** For HA: another node changed `key`; reload what this barrier caches from it. */
  async invalidate(key: string): Promise<void> {
    this.cache.invalidate(key);
    if (key !== KEYRING_KEY || this.unsealKey === undefined) return;
    const current = this.keyring;
    // A copy: a concurrent seal() zeroes this.unsealKey while the load is awaiting storage.
    const unsealKey = Uint8Array.from(this.unsealKey);
    let fresh: Keyring;
    try {
      fresh = await this.load(unsealKey);
    } finally {
      unsealKey.fill(0);
    }
    if (this.keyring !== current || current === undefined) {
      fresh.zero(); // sealed or changed meanwhile
      return;
    }
    this.keyring = fresh;
    current.zero();
  }

  /** A plaintext JSON view of everything below `prefix`; values are encrypted on the way down. */
  view(prefix: string): StorageView {
    return new PrefixedView(this.bytes, prefix);
  }

  /** Unencrypted read of non-secret bootstrap config (the seal config); works while sealed. */
  async rawGet(key: string): Promise<Uint8Array | undefined> {
    checkNotReserved(key);
    return await this.storage.get(key);
  }

  /** Unencrypted write of non-secret bootstrap config. Never use it for anything secret. */
  async rawPut(key: string, value: Uint8Array): Promise<void> {
    checkNotReserved(key);
    await this.storage.put(key, value);
  }

  private async load(unsealKey: Uint8Array): Promise<Keyring> {
    checkUnsealKeyLength(unsealKey);
    const blob = await this.storage.get(KEYRING_KEY);
    if (blob === undefined) throw new BadRequest("Vault is not initialized");
    try {
      return Keyring.parse(decrypt(unsealKey, blob, encoder.encode(KEYRING_KEY)));
    } catch (err) {
      if (err instanceof DecryptionFailed || err instanceof KeyringParseError) {
        throw new InvalidUnsealKey();
      }
      throw err;
    }
  }

  private persist(keyring: Keyring, unsealKey: Uint8Array): Promise<void> {
    const plaintext = keyring.serialize();
    try {
      const blob = encrypt(unsealKey, UNSEAL_KEY_TERM, plaintext, encoder.encode(KEYRING_KEY));
      return this.storage.put(KEYRING_KEY, blob);
    } finally {
      plaintext.fill(0);
    }
  }

  private requireKeyring(): Keyring {
    if (this.keyring === undefined) throw new Sealed();
    return this.keyring;
  }

  private async getDecrypted(key: string): Promise<Uint8Array | undefined> {
    this.requireKeyring();
    checkNotReserved(key);
    // Inside a cross-node critical section (core/locks.ts) another node may have written a moment ago.
    const cached = freshReads.getStore() ? undefined : this.cache.get(key);
    if (cached !== undefined) return cached;
    const startedAt = this.cache.startRead();
    const blob = await this.storage.get(key);
    if (blob === undefined) return undefined;
    // Re-read after the await: a rotation or seal may have replaced (and zeroed) the keyring.
    const keyring = this.requireKeyring();
    let plaintext: Uint8Array;
    try {
      plaintext = keyring.decrypt(blob, encoder.encode(key));
    } catch (err) {
      throw new BarrierIntegrityError({ cause: err });
    }
    this.cache.fill(key, plaintext, startedAt);
    return plaintext;
  }

  /**
   * A decoded, frozen value: served from the read cache while the key is unchanged, so a hot token
   * entry or KV metadata is neither decrypted nor parsed again. `decode` must freeze what it returns.
   */
  private getDecoded<T>(key: string, decode: (bytes: Uint8Array) => T): Promise<T | undefined> {
    if (this.sealed) return Promise.reject(new Sealed());
    // A hit is answered without an async function: this runs several times for every request.
    const hit = freshReads.getStore() ? undefined : this.cache.decoded(key, decode);
    if (hit !== undefined) return Promise.resolve(hit.value as T);
    return this.decodeFresh(key, decode);
  }

  private async decodeFresh<T>(key: string, decode: (bytes: Uint8Array) => T): Promise<T | undefined> {
    const startedAt = this.cache.startRead();
    const bytes = await this.getDecrypted(key);
    if (bytes === undefined) return undefined;
    const value = decode(bytes);
    this.cache.keepDecoded(key, decode, value, startedAt);
    return value;
  }

  private putEncrypted(key: string, value: Uint8Array): Promise<void> {
    const keyring = this.requireKeyring();
    checkNotReserved(key);
    this.cache.invalidate(key);
    return this.storage
      .put(key, keyring.encrypt(value, encoder.encode(key)))
      .finally(() => this.cache.writeDone());
  }

  private deleteChecked(key: string): Promise<void> {
    this.requireKeyring();
    checkNotReserved(key);
    this.cache.invalidate(key);
    return this.storage.delete(key).finally(() => this.cache.writeDone());
  }
}

function checkUnsealKeyLength(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) throw new InvalidUnsealKey();
}

/** The keyring is only ever written by the barrier itself, never through a view or raw access. */
function checkNotReserved(key: string): void {
  if (key === KEYRING_KEY) throw new BadRequest("invalid path: reserved");
}
