/**
 * The Shamir seal: the unseal key is split into `secret_shares` shares, `secret_threshold` of which
 * unseal the barrier. Progress (shares submitted so far) lives in memory only, per node, as in Vault.
 * The seal config is not secret and is stored in plaintext so it can be read while sealed.
 */
import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { KEY_BYTES } from "../crypto/aead.js";
import { randomBytes } from "../crypto/random.js";
import { combine, shamirParamsProblem, split } from "../crypto/shamir.js";
import type { Barrier } from "./barrier.js";
import { BadRequest, InvalidUnsealKey } from "./errors.js";

export const SEAL_CONFIG_KEY = "core/seal-config";

/** What the seal needs of the barrier. */
export type SealableBarrier = Pick<
  Barrier,
  "sealed" | "initialized" | "initialize" | "unseal" | "seal" | "rawGet" | "rawPut"
>;

const sealConfigSchema = z.object({
  type: z.literal("shamir"),
  secret_shares: z.number().int().min(1).max(255),
  secret_threshold: z.number().int().min(1).max(255),
});
export type SealConfig = z.infer<typeof sealConfigSchema>;

export interface SealProgress {
  readonly sealed: boolean;
  /** Distinct shares submitted toward the threshold. */
  readonly progress: number;
  readonly t: number;
  readonly n: number;
}

export interface SealStatus extends SealProgress {
  readonly type: "shamir";
  readonly recoverySeal: false;
  readonly initialized: boolean;
}

/**
 * Key shares entered toward a threshold (unseal keys for Shamir, recovery keys for auto-unseal), in
 * memory only. Submissions run one at a time so two concurrent shares cannot both "complete" it.
 */
export class KeyShares {
  private shares: Uint8Array[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  get count(): number {
    return this.shares.length;
  }

  /** Runs `submission` after every earlier one has settled. */
  serialize<T>(submission: () => Promise<T>): Promise<T> {
    const run = this.queue.then(submission);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Adds a copy of `share` (ignored if already entered) and, once `threshold` distinct shares are in,
   * combines them into the key and forgets them; undefined until then. Wrong length or shares the
   * library cannot combine: InvalidUnsealKey, progress reset.
   */
  async add(share: Uint8Array, shares: number, threshold: number): Promise<Uint8Array | undefined> {
    const expectedLength = shares === 1 ? KEY_BYTES : KEY_BYTES + 1;
    if (share.byteLength !== expectedLength) throw new InvalidUnsealKey();
    if (!this.shares.some((s) => s.byteLength === share.byteLength && timingSafeEqual(s, share))) {
      this.shares.push(Uint8Array.from(share));
    }
    if (this.shares.length < threshold) return undefined;
    const submitted = this.shares;
    this.shares = [];
    try {
      return await combine(submitted);
    } catch {
      // Forged shares (e.g. two with the same x coordinate) can make the library throw.
      throw new InvalidUnsealKey();
    } finally {
      for (const s of submitted) s.fill(0);
    }
  }

  clear(): void {
    for (const s of this.shares) s.fill(0);
    this.shares = [];
  }
}

export class ShamirSeal {
  private readonly shares = new KeyShares();

  constructor(private readonly barrier: SealableBarrier) {}

  async config(): Promise<SealConfig | undefined> {
    return readSealConfig(this.barrier, "shamir", (json) => sealConfigSchema.parse(json));
  }

  /** Creates the unseal key, initializes the barrier and returns the shares (the key itself if n = 1). */
  async initialize(opts: { shares: number; threshold: number }): Promise<Uint8Array[]> {
    const problem = shamirParamsProblem(opts.shares, opts.threshold);
    if (problem !== undefined) throw new BadRequest(problem);
    if (await this.barrier.initialized()) throw new BadRequest("Vault is already initialized");
    const unsealKey = randomBytes(KEY_BYTES);
    try {
      const shares = await split(unsealKey, opts.shares, opts.threshold);
      const config: SealConfig = {
        type: "shamir",
        secret_shares: opts.shares,
        secret_threshold: opts.threshold,
      };
      // Config first: a crash in between leaves a config without a keyring, which reads as uninitialized.
      await this.barrier.rawPut(SEAL_CONFIG_KEY, new TextEncoder().encode(JSON.stringify(config)));
      await this.barrier.initialize(unsealKey);
      return shares;
    } finally {
      unsealKey.fill(0);
    }
  }

  /**
   * Adds one share. A share already submitted is ignored. When the threshold is reached the shares are
   * combined and the barrier unsealed; on failure progress resets and InvalidUnsealKey is thrown.
   */
  submit(share: Uint8Array): Promise<SealProgress> {
    return this.shares.serialize(() => this.submitNow(share));
  }

  /** Discards the shares submitted so far. */
  reset(): void {
    this.shares.clear();
  }

  async status(): Promise<SealStatus> {
    const config = await this.config();
    const initialized = config !== undefined && (await this.barrier.initialized());
    return {
      type: "shamir",
      recoverySeal: false,
      initialized,
      sealed: this.barrier.sealed,
      progress: this.shares.count,
      t: config?.secret_threshold ?? 0,
      n: config?.secret_shares ?? 0,
    };
  }

  /** Seals the barrier now and forgets any unseal progress. */
  sealNow(): void {
    this.shares.clear();
    this.barrier.seal();
  }

  private async submitNow(share: Uint8Array): Promise<SealProgress> {
    const config = await this.config();
    if (config === undefined || !(await this.barrier.initialized())) {
      throw new BadRequest("Vault is not initialized");
    }
    const progress = (): SealProgress => ({
      sealed: this.barrier.sealed,
      progress: this.shares.count,
      t: config.secret_threshold,
      n: config.secret_shares,
    });
    if (!this.barrier.sealed) return progress();
    const key = await this.shares.add(share, config.secret_shares, config.secret_threshold);
    if (key === undefined) return progress();
    try {
      await this.barrier.unseal(key);
    } finally {
      key.fill(0);
    }
    return progress();
  }
}

/** Decodes an unseal key or share as Vault accepts it: hex first, then standard base64. */
export function parseUnsealKey(text: string): Uint8Array {
  const trimmed = text.trim();
  if (/^(?:[0-9a-fA-F]{2})+$/.test(trimmed)) return new Uint8Array(Buffer.from(trimmed, "hex"));
  if (trimmed.length > 0 && trimmed.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, "base64");
    if (bytes.toString("base64") === trimmed) return new Uint8Array(bytes);
  }
  throw new BadRequest("'key' must be a valid hex or base64 string");
}

/**
 * The stored seal configuration (plaintext: it must be readable while sealed), checked against the
 * seal this server is configured with. Data initialized under one seal type cannot be opened with
 * another: that would be a seal migration, which this server does not do.
 */
export async function readSealConfig<T>(
  barrier: Pick<SealableBarrier, "rawGet">,
  expectedType: string,
  parse: (json: unknown) => T,
): Promise<T | undefined> {
  const raw = await barrier.rawGet(SEAL_CONFIG_KEY);
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    json = undefined;
  }
  const type = typeof json === "object" && json !== null && "type" in json ? json.type : undefined;
  if (typeof type === "string" && type !== expectedType) {
    throw new Error(
      `seal: storage was initialized with the "${type}" seal but this server is configured for "${expectedType}" (seal migration is not supported)`,
    );
  }
  try {
    return parse(json);
  } catch {
    throw new Error("seal: stored seal config is malformed");
  }
}
