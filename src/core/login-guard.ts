/**
 * Login hardening (Vault's user lockout, keyed more finely): failed logins are counted per
 * (auth mount, source address, login identity). Once `threshold` failures fall within
 * `counterResetSeconds` of each other, further logins for that key are refused with 429 for
 * `durationSeconds`, before the auth method even sees them; a successful login clears the key.
 * This class keeps the state in memory, per node; with REDIS_URL set, server/redis-lockout.ts shares
 * it between nodes (and falls back to this class while Redis cannot be reached).
 * Invariant: every decision reads the injected Clock, never Date.now().
 */
import type { Clock } from "./clock.js";
import { RateLimited } from "./errors.js";

export interface LockoutSettings {
  /** Failures that trigger a lockout; Vault's default is 5. */
  readonly threshold: number;
  /** How long a locked key is refused, in seconds; Vault's default is 15m. */
  readonly durationSeconds: number;
  /** A failure older than this no longer counts, in seconds; Vault's default is 15m. */
  readonly counterResetSeconds: number;
  readonly disabled?: boolean;
}

export const DEFAULT_LOCKOUT: LockoutSettings = {
  threshold: 5,
  durationSeconds: 15 * 60,
  counterResetSeconds: 15 * 60,
};

/** The narrow slice the pipeline uses. */
export interface LoginAttempts {
  /** The key for a login request, or undefined when the request is not a login. */
  keyFor(login: LoginRequestInfo): string | undefined;
  /** Throws (rejects with) RateLimited while `key` is locked out. */
  check(key: string): void | Promise<void>;
  failed(key: string): void | Promise<void>;
  succeeded(key: string): void | Promise<void>;
}

export interface LoginRequestInfo {
  /** Mount path with trailing "/", e.g. "auth/userpass/". */
  readonly mountPath: string;
  /** Path relative to the mount. */
  readonly path: string;
  readonly remoteAddress: string;
  readonly data: Readonly<Record<string, unknown>>;
}

interface Counter {
  failures: number;
  /** When the latest failure happened (epoch ms). */
  lastFailure: number;
  /** Refused until then (epoch ms); 0 when not locked. */
  lockedUntil: number;
}

/** Body fields that name who is logging in, in the order auth methods use them. */
const IDENTITY_FIELDS = ["username", "role_id", "role", "name"] as const;

/** Keys kept before stale ones are pruned; bounds memory when an attacker varies names. */
const MAX_KEYS = 100_000;

export class LoginGuard implements LoginAttempts {
  private readonly counters = new Map<string, Counter>();

  constructor(
    private readonly settings: LockoutSettings,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(settings.threshold) || settings.threshold < 1) {
      throw new RangeError("lockout threshold must be a positive integer");
    }
  }

  /**
   * Logins are `login` or `login/<name>` on an auth mount other than the token store. The identity is
   * the path's `<name>` (userpass) or the first of username / role_id / role in the body.
   */
  keyFor(login: LoginRequestInfo): string | undefined {
    if (this.settings.disabled) return undefined;
    if (!login.mountPath.startsWith("auth/") || login.mountPath === "auth/token/") return undefined;
    const m = /^login(?:\/(.*))?$/.exec(login.path.replace(/\/+$/, ""));
    if (!m) return undefined;
    let identity = m[1] ?? "";
    if (identity === "") {
      for (const field of IDENTITY_FIELDS) {
        const v = login.data[field];
        if (typeof v === "string" && v !== "") {
          identity = v;
          break;
        }
      }
    }
    return JSON.stringify([login.mountPath, login.remoteAddress, identity.toLowerCase().slice(0, 512)]);
  }

  check(key: string): void {
    const c = this.counters.get(key);
    if (!c) return;
    const now = this.clock.now();
    if (c.lockedUntil > now) {
      throw new RateLimited("too many failed login attempts; try again later");
    }
    if (c.lockedUntil !== 0) this.counters.delete(key); // the cool-down is over: start afresh
  }

  failed(key: string): void {
    const now = this.clock.now();
    let c = this.counters.get(key);
    const stale =
      c &&
      (now - c.lastFailure > this.settings.counterResetSeconds * 1000 ||
        (c.lockedUntil !== 0 && c.lockedUntil <= now));
    if (!c || stale) {
      c = { failures: 0, lastFailure: now, lockedUntil: 0 };
    }
    c.failures += 1;
    c.lastFailure = now;
    if (c.failures >= this.settings.threshold) c.lockedUntil = now + this.settings.durationSeconds * 1000;
    this.counters.delete(key);
    this.counters.set(key, c);
    if (this.counters.size > MAX_KEYS) this.prune(now);
  }

  succeeded(key: string): void {
    this.counters.delete(key);
  }

  /** Keys currently refused, for tests and metrics. */
  lockedCount(): number {
    const now = this.clock.now();
    return [...this.counters.values()].filter((c) => c.lockedUntil > now).length;
  }

  private prune(now: number): void {
    const resetMs = this.settings.counterResetSeconds * 1000;
    for (const [key, c] of this.counters) {
      if (c.lockedUntil <= now && now - c.lastFailure > resetMs) this.counters.delete(key);
    }
    // Still too many live keys: drop the least recently failed (Map keeps insertion order).
    for (const key of this.counters.keys()) {
      if (this.counters.size <= MAX_KEYS) break;
      this.counters.delete(key);
    }
  }
}
