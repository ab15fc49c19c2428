/**
 * Login lockout shared by every node through Redis (`REDIS_URL`): a failure counted on one node
 * counts on all, and a locked identity is refused everywhere. Same rules as core/login-guard.ts
 * (failures within `counterResetSeconds` of each other, `threshold` of them lock the key for
 * `durationSeconds`, a success clears the count), kept atomic by one Lua script per failure; expiry is
 * Redis's own TTL. Keys are SHA-256 digests of (mount, address, identity), so Redis never holds a
 * username or address in clear.
 * Invariant: Redis trouble never turns into failed logins: while it cannot be reached the node falls
 * back to its own in-memory guard (and says so in the log, at most once a minute).
 */
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { RateLimited } from "../core/errors.js";
import type { LockoutSettings, LoginAttempts, LoginGuard, LoginRequestInfo } from "../core/login-guard.js";

/** KEYS[1] count, KEYS[2] lock; ARGV window ms, threshold, lock ms. Returns the count. */
const FAILED = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if n >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
end
return n`;

export class RedisLoginGuard implements LoginAttempts {
  private lastComplaint = 0;

  constructor(
    private readonly redis: Redis,
    private readonly settings: LockoutSettings,
    private readonly local: LoginGuard,
    private readonly onTrouble: (err: unknown) => void,
    private readonly prefix = "secrethub:lockout:",
  ) {}

  /**
   * A client that fails fast instead of queueing commands while Redis is away (it keeps reconnecting in
   * the background). Resolves once connected, or after `waitMs` if Redis does not answer by then.
   */
  static async connect(url: string, waitMs = 2000): Promise<Redis> {
    const redis = new Redis(url, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: waitMs,
    });
    redis.on("error", () => undefined); // reported per command through onTrouble
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      timer.unref();
      redis.once("ready", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return redis;
  }

  keyFor(login: LoginRequestInfo): string | undefined {
    return this.local.keyFor(login);
  }

  async check(key: string): Promise<void> {
    let locked: number;
    try {
      locked = await this.redis.exists(this.lockKey(key));
    } catch (err) {
      this.trouble(err);
      this.local.check(key);
      return;
    }
    if (locked > 0) throw new RateLimited("too many failed login attempts; try again later");
  }

  async failed(key: string): Promise<void> {
    const s = this.settings;
    try {
      await this.redis.eval(
        FAILED,
        2,
        this.countKey(key),
        this.lockKey(key),
        s.counterResetSeconds * 1000,
        s.threshold,
        s.durationSeconds * 1000,
      );
    } catch (err) {
      this.trouble(err);
      this.local.failed(key);
    }
  }

  async succeeded(key: string): Promise<void> {
    try {
      await this.redis.del(this.countKey(key));
    } catch (err) {
      this.trouble(err);
      this.local.succeeded(key);
    }
  }

  private countKey(key: string): string {
    return `${this.prefix}count:${digest(key)}`;
  }

  private lockKey(key: string): string {
    return `${this.prefix}lock:${digest(key)}`;
  }

  private trouble(err: unknown): void {
    const now = Date.now();
    if (now - this.lastComplaint < 60_000) return;
    this.lastComplaint = now;
    this.onTrouble(err);
  }
}

function digest(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
