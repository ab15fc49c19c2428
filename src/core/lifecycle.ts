/**
 * Initialization, unseal and seal as one small state machine over narrow collaborators. After
 * unseal the mount table is loaded and every mount is built; before seal they are dropped and every
 * cache forgets what it knew (keys leave memory with the barrier).
 */
import { BadRequest } from "./errors.js";
import type { MountEntry, MountTable } from "./mount-table.js";
import type { PolicyStore } from "./policy-store.js";
import type { Router } from "./router.js";
import { randomUUID } from "node:crypto";

export interface SealStatus {
  /** "shamir", or the auto-unseal key service ("awskms"). */
  readonly type: string;
  /** Auto-unseal: the shares are recovery keys, which authorize but cannot decrypt. */
  readonly recoverySeal: boolean;
  readonly initialized: boolean;
  readonly sealed: boolean;
  readonly t: number;
  readonly n: number;
  readonly progress: number;
}

/** The seal mechanism: Shamir (core/seal.ts) or auto-unseal through a key service (core/auto-seal.ts). */
export interface SealControl {
  status(): Promise<SealStatus>;
  /** Creates the barrier keyring under a new unseal key and returns its shares. */
  initialize(params: { shares: number; threshold: number }): Promise<Uint8Array[]>;
  /** Adds a share; unseals the barrier when the threshold is reached (wrong key: InvalidUnsealKey). */
  submit(share: Uint8Array): Promise<unknown>;
  reset(): void;
  sealNow(): void;
  /** Auto-unseal only: unseals through the key service, without shares. */
  autoUnseal?(): Promise<void>;
}

export interface RootTokenMinter {
  createRootToken(): Promise<string>;
}

export interface LifecycleDeps {
  readonly seal: SealControl;
  readonly mounts: MountTable;
  readonly router: Router;
  readonly policies: PolicyStore;
  readonly tokens: RootTokenMinter;
  /** Caches to drop on seal (token cache, ACL cache ...). */
  readonly onSeal?: () => void;
  /** Runs after every unseal, once mounts are loaded (e.g. admin bootstrap). */
  readonly afterUnseal?: () => Promise<void>;
}

export function builtinMount(
  path: string,
  type: string,
  description: string,
  options: Record<string, string> = {},
): MountEntry {
  return {
    path,
    type,
    description,
    accessor: `${type.replace(/[^a-z0-9]/g, "_")}_${randomUUID().slice(0, 8)}`,
    uuid: randomUUID(),
    options,
    config: { default_lease_ttl: 0, max_lease_ttl: 0 },
    local: false,
    seal_wrap: false,
    namespace: "",
  };
}

export class Lifecycle {
  private activeSince: Date | undefined;

  constructor(private readonly deps: LifecycleDeps) {}

  status(): Promise<SealStatus> {
    return this.deps.seal.status();
  }

  get activeTime(): Date | undefined {
    return this.activeSince;
  }

  /**
   * Vault semantics: initializes, sets up the defaults, and leaves the server sealed; with
   * auto-unseal it then unseals through the key service (if that fails, init still returns the
   * recovery keys and the caller's retry loop unseals later).
   */
  async initialize(shares: number, threshold: number): Promise<{ shares: Uint8Array[]; rootToken: string }> {
    if ((await this.deps.seal.status()).initialized) throw new BadRequest("Vault is already initialized");
    const keys = await this.deps.seal.initialize({ shares, threshold });
    for (const share of keys.slice(0, threshold)) await this.deps.seal.submit(share);
    let rootToken: string;
    try {
      await this.deps.policies.ensureDefaults();
      for (const entry of [
        builtinMount("cubbyhole/", "cubbyhole", "per-token private secret storage"),
        builtinMount("secret/", "kv", "key/value secret storage", { version: "2" }),
        builtinMount("auth/token/", "token", "token based credentials"),
      ]) {
        if (!(await this.deps.mounts.get(entry.path))) await this.deps.mounts.add(entry);
      }
      rootToken = await this.deps.tokens.createRootToken();
    } finally {
      await this.seal();
    }
    // The keys must reach the operator even if the key service hiccups now: the retry loop unseals later.
    if (this.autoUnsealing) await this.autoUnseal().catch(() => undefined);
    return { shares: keys, rootToken };
  }

  /** Auto-unseal: unseals through the key service when initialized and sealed; false if not applicable. */
  async autoUnseal(): Promise<boolean> {
    const unseal = this.deps.seal.autoUnseal?.bind(this.deps.seal);
    if (!unseal) return false;
    const st = await this.deps.seal.status();
    if (!st.initialized || !st.sealed) return false;
    await unseal();
    await this.postUnseal();
    return true;
  }

  get autoUnsealing(): boolean {
    return this.deps.seal.autoUnseal !== undefined;
  }

  async submitShare(share: Uint8Array): Promise<void> {
    const before = await this.deps.seal.status();
    if (!before.initialized) throw new BadRequest("Vault is not initialized");
    if (!before.sealed) return;
    await this.deps.seal.submit(share);
    if (!(await this.deps.seal.status()).sealed) await this.postUnseal();
  }

  async seal(): Promise<void> {
    this.activeSince = undefined;
    await this.deps.router.clear();
    this.deps.mounts.invalidate();
    this.deps.policies.invalidate();
    this.deps.onSeal?.();
    this.deps.seal.sealNow();
  }

  /**
   * HA: another node changed the mount table. Builds mounts that appeared (or were re-created under a
   * new UUID), retunes changed ones and drops removed ones, without touching the others.
   */
  async reloadMounts(): Promise<void> {
    if (this.activeSince === undefined) return; // sealed: the next unseal loads everything
    this.deps.mounts.invalidate();
    const live = new Map(this.deps.router.list().map((m) => [m.entry.path, m]));
    for (const entry of await this.deps.mounts.list()) {
      const current = live.get(entry.path);
      live.delete(entry.path);
      if (current?.entry.uuid === entry.uuid) this.deps.router.retune(entry);
      else await this.deps.router.mount(entry);
    }
    for (const path of live.keys()) await this.deps.router.unmount(path);
  }

  private async postUnseal(): Promise<void> {
    this.deps.mounts.invalidate();
    this.deps.policies.invalidate();
    for (const entry of await this.deps.mounts.list()) await this.deps.router.mount(entry);
    this.activeSince = new Date();
    await this.deps.afterUnseal?.();
  }
}
