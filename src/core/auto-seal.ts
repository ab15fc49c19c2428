/**
 * Auto-unseal (Vault's "awskms" seal and kin): the barrier's root key is generated here, wrapped by an
 * external key service (`KeyWrapper`) and stored wrapped, so a node unseals itself at start-up by
 * asking that service to unwrap it. Operators get recovery key shares instead of unseal key shares:
 * they cannot decrypt anything, they only authorize an unseal (after `sys/seal`) and future
 * root-level operations, as in Vault.
 * Invariants: the root key and the recovery key never reach storage unwrapped; a wrong recovery key
 * never unseals; nothing is written unless the key service wrapped both keys first.
 */
import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { KEY_BYTES } from "../crypto/aead.js";
import { randomBytes } from "../crypto/random.js";
import { shamirParamsProblem, split } from "../crypto/shamir.js";
import { BadRequest, InvalidUnsealKey, SecretHubError } from "./errors.js";
import type { KeyWrapper } from "./key-wrapper.js";
import type { SealStatus } from "./lifecycle.js";
import { KeyShares, readSealConfig, SEAL_CONFIG_KEY, type SealableBarrier } from "./seal.js";

const WRAPPED_ROOT_KEY = "core/seal-wrapped-root-key";
const WRAPPED_RECOVERY_KEY = "core/seal-wrapped-recovery-key";
const ROOT_PURPOSE = "root-key";
const RECOVERY_PURPOSE = "recovery-key";

const autoConfigSchema = z.object({
  type: z.string(),
  recovery_shares: z.number().int().min(1).max(255),
  recovery_threshold: z.number().int().min(1).max(255),
});
type AutoSealConfig = z.infer<typeof autoConfigSchema>;

/** The key service could not be reached or refused: the node stays sealed (503), nothing is lost. */
export class SealUnavailable extends SecretHubError {
  constructor(options?: { cause?: unknown }) {
    super(503, "the seal's key service is unavailable: the server stays sealed", options);
  }
}

export class AutoSeal {
  private readonly shares = new KeyShares();

  constructor(
    private readonly barrier: SealableBarrier,
    private readonly wrapper: KeyWrapper,
  ) {}

  get type(): string {
    return this.wrapper.type;
  }

  async config(): Promise<AutoSealConfig | undefined> {
    return readSealConfig(this.barrier, this.wrapper.type, (json) => autoConfigSchema.parse(json));
  }

  /** Creates and wraps the root and recovery keys, initializes the barrier; returns recovery shares. */
  async initialize(opts: { shares: number; threshold: number }): Promise<Uint8Array[]> {
    const problem = shamirParamsProblem(opts.shares, opts.threshold);
    if (problem !== undefined) throw new BadRequest(problem.replace(/secret/g, "recovery"));
    if (await this.barrier.initialized()) throw new BadRequest("Vault is already initialized");
    const rootKey = randomBytes(KEY_BYTES);
    const recoveryKey = randomBytes(KEY_BYTES);
    try {
      // Wrap both first: if the key service fails, storage is untouched and init can simply be retried.
      const wrappedRoot = await this.call(() => this.wrapper.wrap(rootKey, ROOT_PURPOSE));
      const wrappedRecovery = await this.call(() => this.wrapper.wrap(recoveryKey, RECOVERY_PURPOSE));
      const shares = await split(recoveryKey, opts.shares, opts.threshold);
      const config: AutoSealConfig = {
        type: this.wrapper.type,
        recovery_shares: opts.shares,
        recovery_threshold: opts.threshold,
      };
      await this.barrier.rawPut(WRAPPED_RECOVERY_KEY, wrappedRecovery);
      await this.barrier.rawPut(WRAPPED_ROOT_KEY, wrappedRoot);
      // Config before the keyring, as for Shamir: a crash in between reads as uninitialized.
      await this.barrier.rawPut(SEAL_CONFIG_KEY, new TextEncoder().encode(JSON.stringify(config)));
      await this.barrier.initialize(rootKey);
      return shares;
    } finally {
      rootKey.fill(0);
      recoveryKey.fill(0);
    }
  }

  /** Unseals with the key service alone (start-up, and after recovery keys were verified). */
  async autoUnseal(): Promise<void> {
    if (!this.barrier.sealed) return;
    const wrapped = await this.barrier.rawGet(WRAPPED_ROOT_KEY);
    if (wrapped === undefined) throw new BadRequest("Vault is not initialized");
    const key = await this.call(() => this.wrapper.unwrap(wrapped, ROOT_PURPOSE));
    try {
      await this.barrier.unseal(key);
    } finally {
      key.fill(0);
    }
  }

  /** Adds a recovery key share; at the threshold, checks the recovery key and unseals (Vault's way). */
  submit(share: Uint8Array): Promise<void> {
    return this.shares.serialize(() => this.submitNow(share));
  }

  reset(): void {
    this.shares.clear();
  }

  async status(): Promise<SealStatus> {
    const config = await this.config();
    return {
      type: this.wrapper.type,
      recoverySeal: true,
      initialized: config !== undefined && (await this.barrier.initialized()),
      sealed: this.barrier.sealed,
      progress: this.shares.count,
      t: config?.recovery_threshold ?? 0,
      n: config?.recovery_shares ?? 0,
    };
  }

  sealNow(): void {
    this.shares.clear();
    this.barrier.seal();
  }

  private async submitNow(share: Uint8Array): Promise<void> {
    const config = await this.config();
    if (config === undefined || !(await this.barrier.initialized())) {
      throw new BadRequest("Vault is not initialized");
    }
    if (!this.barrier.sealed) return;
    const candidate = await this.shares.add(share, config.recovery_shares, config.recovery_threshold);
    if (candidate === undefined) return;
    try {
      const wrapped = await this.barrier.rawGet(WRAPPED_RECOVERY_KEY);
      if (wrapped === undefined) throw new InvalidUnsealKey();
      const recoveryKey = await this.call(() => this.wrapper.unwrap(wrapped, RECOVERY_PURPOSE));
      const ok = recoveryKey.byteLength === candidate.byteLength && timingSafeEqual(recoveryKey, candidate);
      recoveryKey.fill(0);
      if (!ok) throw new InvalidUnsealKey();
    } finally {
      candidate.fill(0);
    }
    await this.autoUnseal();
  }

  private async call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (cause) {
      throw new SealUnavailable({ cause });
    }
  }
}
