/**
 * The keyring: every data-encryption key the barrier has ever used, by term. New writes use the active
 * (highest) term; older terms stay so existing values keep decrypting after a rotation.
 * Invariant: key bytes never appear in an error message; `zero()` wipes them from memory.
 */
import { z } from "zod";
import { DecryptionFailed, KEY_BYTES, decrypt, encrypt, termOf } from "./aead.js";
import { randomBytes } from "./random.js";

export interface KeyTerm {
  readonly term: number;
  readonly key: Uint8Array;
  readonly installTime: Date;
}

const serializedSchema = z.object({
  version: z.literal(1),
  activeTerm: z.number().int().min(1),
  keys: z
    .array(
      z.object({
        term: z.number().int().min(1).max(0xffff_ffff),
        key: z.base64(),
        installTime: z.iso.datetime(),
      }),
    )
    .min(1),
});

export class KeyringParseError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`invalid keyring: ${detail}`, options);
    this.name = "KeyringParseError";
  }
}

export class Keyring {
  private readonly terms = new Map<number, KeyTerm>();
  private active: number;
  private encryptionCount = 0;

  private constructor(terms: readonly KeyTerm[], active: number) {
    for (const t of terms) this.terms.set(t.term, t);
    this.active = active;
  }

  /** A new keyring holding one random key at term 1. */
  static generate(now: Date = new Date()): Keyring {
    return new Keyring([{ term: 1, key: randomBytes(KEY_BYTES), installTime: now }], 1);
  }

  static parse(bytes: Uint8Array): Keyring {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (err) {
      throw new KeyringParseError("not JSON", { cause: err });
    }
    const parsed = serializedSchema.safeParse(json);
    if (!parsed.success) throw new KeyringParseError("unexpected shape");
    const { activeTerm, keys } = parsed.data;
    const terms: KeyTerm[] = [];
    for (const k of keys) {
      const key = new Uint8Array(Buffer.from(k.key, "base64"));
      if (key.byteLength !== KEY_BYTES) throw new KeyringParseError(`term ${k.term}: key length`);
      if (terms.some((t) => t.term === k.term)) throw new KeyringParseError("duplicate term");
      terms.push({ term: k.term, key, installTime: new Date(k.installTime) });
    }
    const highest = Math.max(...terms.map((t) => t.term));
    if (activeTerm !== highest) throw new KeyringParseError("active term is not the newest");
    return new Keyring(terms, activeTerm);
  }

  get activeTerm(): number {
    return this.active;
  }

  /** Encryptions with the active term since this keyring was loaded or last rotated (in memory only). */
  get encryptions(): number {
    return this.encryptionCount;
  }

  activeKey(): KeyTerm {
    const t = this.terms.get(this.active);
    if (t === undefined) throw new Error("keyring has no active term");
    return t;
  }

  termNumbers(): number[] {
    return [...this.terms.keys()].sort((a, b) => a - b);
  }

  /** Adds a fresh key as the new active term and returns its number. */
  rotate(now: Date = new Date()): number {
    const term = this.active + 1;
    this.terms.set(term, { term, key: randomBytes(KEY_BYTES), installTime: now });
    this.active = term;
    this.encryptionCount = 0;
    return term;
  }

  encrypt(plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const { term, key } = this.activeKey();
    this.encryptionCount += 1;
    return encrypt(key, term, plaintext, aad);
  }

  /** Decrypts with the term named in the blob's header; an unknown term is DecryptionFailed. */
  decrypt(blob: Uint8Array, aad: Uint8Array): Uint8Array {
    const t = this.terms.get(termOf(blob));
    if (t === undefined) throw new DecryptionFailed();
    return decrypt(t.key, blob, aad);
  }

  serialize(): Uint8Array {
    const keys = this.termNumbers().map((n) => {
      const t = this.terms.get(n);
      if (t === undefined) throw new Error("unreachable: listed term missing");
      return {
        term: t.term,
        key: Buffer.from(t.key).toString("base64"),
        installTime: t.installTime.toISOString(),
      };
    });
    return new TextEncoder().encode(JSON.stringify({ version: 1, activeTerm: this.active, keys }));
  }

  /** Overwrites every key with zeros; the keyring is unusable afterwards. */
  zero(): void {
    for (const t of this.terms.values()) t.key.fill(0);
    this.terms.clear();
  }
}
