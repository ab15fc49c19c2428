/**
 * token/ owns the token store: hashed token ids, accessors, parent/child links, TTLs, renewals and use
 * counts. It stores through the barrier's "sys/token/" view and must never store, log or return a token
 * id except to the one caller that minted or presented it.
 *
 * Storage layout (all below the view):
 *   id/<sha256(id)>               -> TokenEntry
 *   accessor/<accessor>           -> { idHash }
 *   parent/<parentHash>/<childHash> -> true
 *
 * Invariant: token ids never reach storage; entries are found by the hash of the presented id, so a
 * lookup is a keyed read and leaks nothing through comparison timing.
 * Validity is decided on every lookup: a token is dead when it is expired, spent, or any ancestor is
 * missing or expired (so a crash halfway through a revocation, or a parent that expired unobserved,
 * still kills the whole subtree); dead tokens are revoked lazily, and `tidy()` sweeps the rest.
 * Concurrency: read-modify-writes of one entry run under `locks` (core/locks.ts): in-process, and
 * across nodes on shared storage (a database lock), so a limited-use token cannot be used twice.
 */
import { z } from "zod";
import type { Clock } from "../core/clock.js";
import { BadRequest, PermissionDenied } from "../core/errors.js";
import type { AuthBlock, AuthGrant, CallerToken, StorageView } from "../core/request.js";
import { digestsEqual, sha256Hex } from "../crypto/hmac.js";
import { newAccessor, newTokenId } from "../crypto/random.js";
import {
  SPENT,
  authBlock,
  entityIdFor,
  expiresAt,
  isExpired,
  isRootPolicySet,
  loginDisplayName,
  lookupData,
  parseTokenEntry,
  sanitizePolicies,
  toCallerToken,
  type TokenEntry,
} from "./entry.js";
import { LocalLocks, scopedLocks, type Locks } from "../core/locks.js";
import { DEFAULT_LIMITS, initialTtl, renewedTtl, type TtlLimits } from "./ttl.js";

export interface TokenStoreOptions {
  /** The barrier's "sys/token/" view (encrypted). */
  readonly storage: StorageView;
  readonly clock: Clock;
  /** System default TTL in seconds (Vault's default_lease_ttl); 32 days unless set. */
  readonly defaultTtlSeconds?: number;
  /** System max TTL in seconds (Vault's max_lease_ttl); 32 days unless set. */
  readonly maxTtlSeconds?: number;
  /** Serializes read-modify-writes of one entry; shared across nodes on shared storage. */
  readonly locks?: Locks;
}

/** What to mint. Policies are normalised here; the caller decides parentage and display name. */
export interface CreateTokenParams {
  readonly policies: readonly string[];
  readonly noDefaultPolicy?: boolean;
  readonly meta?: Readonly<Record<string, string>>;
  readonly displayName: string;
  readonly path: string;
  /** idHash of the parent; omit for an orphan. The parent must exist. */
  readonly parentHash?: string;
  readonly ttl?: number;
  readonly explicitMaxTtl?: number;
  /** The issuing auth method's max TTL; 0/omitted = system max. */
  readonly maxTtl?: number;
  readonly period?: number;
  readonly numUses?: number;
  readonly renewable?: boolean;
  readonly entityId?: string;
  readonly boundCidrs?: readonly string[];
  readonly namespace?: string;
}

export interface Minted {
  /** The token id: hand it to the client once, never store or log it. */
  readonly token: string;
  readonly entry: TokenEntry;
  readonly warnings: string[];
}

/** Called with the idHash of every revoked token (after it is gone), e.g. to drop its cubbyhole. */
export type RevokeListener = (idHash: string) => Promise<void> | void;

const HASH = /^[0-9a-f]{64}$/;
const ACCESSOR = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const accessorIndexSchema = z.object({ idHash: z.string().regex(HASH) });

export class TokenStore {
  private readonly storage: StorageView;
  private readonly clock: Clock;
  private readonly limits: TtlLimits;
  private readonly lock: Locks;
  private readonly listeners = new Set<RevokeListener>();

  constructor(options: TokenStoreOptions) {
    this.storage = options.storage;
    this.clock = options.clock;
    this.lock = scopedLocks(options.locks ?? new LocalLocks(), "token/");
    this.limits = {
      defaultTtl: options.defaultTtlSeconds ?? DEFAULT_LIMITS.defaultTtl,
      maxTtl: options.maxTtlSeconds ?? DEFAULT_LIMITS.maxTtl,
    };
  }

  async create(params: CreateTokenParams): Promise<Minted> {
    const numUses = params.numUses ?? 0;
    if (!Number.isInteger(numUses) || numUses < 0) throw new BadRequest("number of uses cannot be negative");
    const token = newTokenId();
    const idHash = sha256Hex(token);
    const policies = sanitizePolicies(params.policies, !params.noDefaultPolicy);
    const explicitMaxTtl = params.explicitMaxTtl ?? 0;
    const period = params.period ?? 0;
    const maxTtl = params.maxTtl ?? 0;
    const granted = initialTtl(
      { requested: params.ttl ?? 0, period, explicitMaxTtl, maxTtl, root: isRootPolicySet(policies) },
      this.limits,
    );
    const entry: TokenEntry = {
      idHash,
      accessor: newAccessor(),
      policies,
      meta: { ...params.meta },
      displayName: params.displayName,
      path: params.path,
      creationTime: this.clock.now(),
      creationTtl: granted.ttl,
      ttl: granted.ttl,
      lastRenewalTime: 0,
      explicitMaxTtl,
      maxTtl,
      period,
      numUses,
      renewable: params.renewable ?? true,
      orphan: params.parentHash === undefined,
      parentHash: params.parentHash ?? "",
      type: "service",
      entityId: params.entityId ?? "",
      boundCidrs: [...(params.boundCidrs ?? [])],
      namespace: params.namespace ?? "",
    };
    // Indexes first, entry last: a crash leaves dangling index rows (swept by tidy), never a live
    // token that cannot be found by accessor or parent.
    await this.storage.write(`accessor/${entry.accessor}`, { idHash });
    const parentHash = params.parentHash;
    if (parentHash !== undefined) {
      await this.lock.run(parentHash, async () => {
        if (!(await this.readEntry(parentHash))) throw new PermissionDenied();
        await this.storage.write(`parent/${parentHash}/${idHash}`, true);
      });
    }
    await this.storage.write(`id/${idHash}`, entry);
    return { token, entry, warnings: granted.warnings };
  }

  /**
   * Mints the token for a login. Login tokens are orphans named "<mount>-<name>"; their TTL defaults
   * to the system default and is capped by the method's max TTL and the system max.
   */
  async createFromGrant(grant: AuthGrant, mountPath: string, requestPath?: string): Promise<AuthBlock> {
    if (grant.policies.some((p) => p.trim().toLowerCase() === "root")) {
      throw new BadRequest("auth methods cannot create root tokens");
    }
    const { token, entry } = await this.create({
      policies: grant.policies,
      noDefaultPolicy: grant.noDefaultPolicy ?? false,
      meta: grant.metadata,
      displayName: loginDisplayName(mountPath, grant.displayName),
      path: requestPath ?? `${mountPath}login`,
      ttl: grant.ttlSeconds,
      maxTtl: grant.maxTtlSeconds ?? 0,
      period: grant.period ?? 0,
      numUses: grant.numUses ?? 0,
      renewable: grant.renewable,
      entityId: entityIdFor(mountPath, grant.aliasName),
      boundCidrs: grant.boundCidrs ?? [],
    });
    return authBlock(token, entry);
  }

  /**
   * The live entry for a presented token, or undefined. Dead tokens found here are revoked.
   * `includeSpent` admits a token whose last use is the current request (token backend's *-self).
   */
  lookup(token: string, options: { includeSpent?: boolean } = {}): Promise<TokenEntry | undefined> {
    if (token === "") return Promise.resolve(undefined);
    return this.lookupHash(sha256Hex(token), options.includeSpent ?? false, true);
  }

  async lookupAccessor(accessor: string): Promise<TokenEntry | undefined> {
    if (!ACCESSOR.test(accessor) || accessor.includes("..")) return undefined;
    const index = await this.storage.read(`accessor/${accessor}`, accessorIndexSchema);
    if (!index) return undefined;
    const entry = await this.lookupHash(index.idHash, true);
    return entry && entry.accessor === accessor ? entry : undefined;
  }

  /**
   * Takes one use of a limited-use token; call once per authenticated request, before dispatch (as
   * Vault does, so concurrent requests cannot share the last use). On the last use the token is marked
   * spent: lookup refuses it from then on, and `finishUse` revokes it after the request.
   * Throws PermissionDenied when no use is left.
   */
  consumeUse(entry: TokenEntry): Promise<void> | undefined {
    if (entry.numUses === 0) return undefined;
    return this.lock.run(entry.idHash, async () => {
      const current = await this.readEntry(entry.idHash);
      if (!current || current.numUses === SPENT) throw new PermissionDenied();
      if (current.numUses === 0) return;
      const numUses = current.numUses === 1 ? SPENT : current.numUses - 1;
      await this.storage.write(`id/${current.idHash}`, { ...current, numUses });
    });
  }

  /** Call after every request a limited-use token made (success or error): revokes it once spent. */
  finishUse(entry: TokenEntry): Promise<void> | undefined {
    if (entry.numUses === 0) return undefined;
    return this.readEntry(entry.idHash).then(async (current) => {
      if (current?.numUses === SPENT) await this.revoke(current);
    });
  }

  /** Extends the token's TTL from now by `incrementSeconds` (0: its original TTL), within its limits. */
  async renew(entry: TokenEntry, incrementSeconds = 0): Promise<{ entry: TokenEntry; warnings: string[] }> {
    return this.lock.run(entry.idHash, async () => {
      const now = this.clock.now();
      const current = await this.readEntry(entry.idHash);
      if (!current || isExpired(current, now)) throw new BadRequest("token not found");
      const granted = renewedTtl(current, incrementSeconds, now, this.limits);
      if (expiresAt(current) === undefined) return { entry: current, warnings: granted.warnings };
      const next: TokenEntry = { ...current, ttl: granted.ttl, lastRenewalTime: now };
      await this.storage.write(`id/${current.idHash}`, next);
      return { entry: next, warnings: granted.warnings };
    });
  }

  /** Revokes the token and, recursively, every token created under it. Idempotent. Returns how many. */
  async revoke(entry: TokenEntry): Promise<number> {
    const hashes = await this.subtree(entry.idHash);
    const gone: string[] = [];
    // Top first: once the root entry is deleted, the whole subtree already fails lookup.
    for (const hash of hashes) {
      if (await this.lock.run(hash, () => this.deleteOne(hash))) gone.push(hash);
    }
    await this.notify(gone);
    return gone.length;
  }

  /** Revokes only this token; its children become orphans and keep working. */
  async revokeOrphan(entry: TokenEntry): Promise<void> {
    const parent = entry.idHash;
    for (const child of await this.childHashes(parent)) {
      await this.lock.run(child, async () => {
        const current = await this.readEntry(child);
        if (current && current.parentHash === parent) {
          await this.storage.write(`id/${child}`, { ...current, parentHash: "", orphan: true });
        }
        await this.storage.delete(`parent/${parent}/${child}`);
      });
    }
    const existed = await this.lock.run(parent, () => this.deleteOne(parent));
    await this.notify(existed ? [parent] : []);
  }

  /** Every accessor in the index (LIST auth/token/accessors). */
  async listAccessors(): Promise<string[]> {
    return (await this.storage.list("accessor/")).filter((k) => !k.endsWith("/"));
  }

  /** Registers a cleanup hook; returns its unsubscribe function. */
  onRevoke(listener: RevokeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Background sweep (the HA leader's duty): revokes expired, spent and parent-less tokens and drops
   * dangling index rows. Returns how many tokens it revoked.
   */
  async tidy(): Promise<number> {
    let revoked = 0;
    for (const hash of await this.storage.list("id/")) {
      const entry = await this.readEntry(hash);
      if (!entry) continue;
      const dead =
        entry.numUses === SPENT || isExpired(entry, this.clock.now()) || !(await this.ancestorsAlive(entry));
      if (dead) revoked += await this.revoke(entry);
    }
    for (const accessor of await this.listAccessors()) {
      const index = await this.storage.read(`accessor/${accessor}`, (raw) =>
        accessorIndexSchema.safeParse(raw),
      );
      const entry = index?.success ? await this.readEntry(index.data.idHash) : undefined;
      if (entry?.accessor !== accessor) await this.storage.delete(`accessor/${accessor}`);
    }
    for (const folder of await this.storage.list("parent/")) {
      const parent = folder.replace(/\/$/, "");
      if (HASH.test(parent) && (await this.readEntry(parent))) continue;
      for (const child of await this.storage.list(`parent/${folder}`))
        await this.storage.delete(`parent/${folder}${child}`);
    }
    return revoked;
  }

  authBlock(token: string, entry: TokenEntry): AuthBlock {
    return authBlock(token, entry);
  }

  /** Vault's lookup data; pass `token` only when the caller presented it (lookup, lookup-self). */
  lookupData(entry: TokenEntry, token?: string): Record<string, unknown> {
    return lookupData(entry, this.clock.now(), token);
  }

  toCallerToken(entry: TokenEntry): CallerToken {
    return toCallerToken(entry);
  }

  /** `digest`: idHash is our own SHA-256 of a token (well-formed), not a caller-supplied string. */
  private async lookupHash(
    idHash: string,
    includeSpent: boolean,
    digest = false,
  ): Promise<TokenEntry | undefined> {
    const entry = await this.readEntry(idHash, digest);
    if (!entry) return undefined;
    if (entry.numUses === SPENT && !includeSpent) return undefined;
    // An orphan has no ancestors to read (most tokens): no await for it.
    if (
      isExpired(entry, this.clock.now()) ||
      (entry.parentHash !== "" && !(await this.ancestorsAlive(entry)))
    ) {
      await this.revoke(entry);
      return undefined;
    }
    return entry;
  }

  private readEntry(idHash: string, digest = false): Promise<TokenEntry | undefined> {
    if (!digest && !HASH.test(idHash)) return Promise.resolve(undefined);
    // A value filed under another token's key is corrupt or planted: never honour it.
    return this.storage
      .read(`id/${idHash}`, parseTokenEntry)
      .then((entry) => (entry && digestsEqual(entry.idHash, idHash) ? entry : undefined));
  }

  /** False when any ancestor is missing or expired (a revocation in progress or one never observed). */
  private async ancestorsAlive(entry: TokenEntry): Promise<boolean> {
    const seen = new Set([entry.idHash]);
    for (let hash = entry.parentHash; hash !== "";) {
      if (seen.has(hash)) return false;
      seen.add(hash);
      const parent = await this.readEntry(hash);
      if (!parent || isExpired(parent, this.clock.now())) return false;
      hash = parent.parentHash;
    }
    return true;
  }

  private async childHashes(parent: string): Promise<string[]> {
    return (await this.storage.list(`parent/${parent}/`)).filter((k) => HASH.test(k));
  }

  /** The token and all its descendants, breadth first (parents before children). */
  private async subtree(root: string): Promise<string[]> {
    const order = [root];
    const seen = new Set(order);
    for (let i = 0; i < order.length; i++) {
      for (const child of await this.childHashes(order[i] ?? "")) {
        if (seen.has(child)) continue;
        seen.add(child);
        order.push(child);
      }
    }
    return order;
  }

  /** Deletes one token and its index rows; the entry goes first so the token dies before cleanup. */
  private async deleteOne(idHash: string): Promise<boolean> {
    const entry = await this.readEntry(idHash);
    await this.storage.delete(`id/${idHash}`);
    if (entry) {
      await this.storage.delete(`accessor/${entry.accessor}`);
      if (entry.parentHash !== "") await this.storage.delete(`parent/${entry.parentHash}/${idHash}`);
    }
    for (const child of await this.childHashes(idHash))
      await this.storage.delete(`parent/${idHash}/${child}`);
    return entry !== undefined;
  }

  private async notify(idHashes: readonly string[]): Promise<void> {
    const failures: unknown[] = [];
    for (const idHash of idHashes) {
      for (const listener of this.listeners) {
        try {
          await listener(idHash);
        } catch (err) {
          failures.push(err);
        }
      }
    }
    if (failures.length > 0) {
      // The tokens are already gone; the failed cleanup must be retried by its owner's own sweep.
      throw new Error("token revoked, but revocation cleanup failed", {
        cause: new AggregateError(failures),
      });
    }
  }
}
