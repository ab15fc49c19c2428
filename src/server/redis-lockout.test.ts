// Shared login lockout on the real Redis (127.0.0.1:6379; .ci/run starts it): two guards stand for
// two nodes. Failures add up across them, a lock holds on both and expires with Redis's TTL, a
// success clears the count, and an unreachable Redis falls back to the node's own guard.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import type { Clock } from "../core/clock.js";
import { RateLimited } from "../core/errors.js";
import { LoginGuard, type LockoutSettings } from "../core/login-guard.js";
import { RedisLoginGuard } from "./redis-lockout.js";

const url = process.env.SECRETHUB_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const settings: LockoutSettings = { threshold: 3, durationSeconds: 1, counterResetSeconds: 60 };
const clock: Clock = { now: () => Date.now() };
const clients: Redis[] = [];

async function node(prefix: string, redisUrl = url, trouble: unknown[] = []): Promise<RedisLoginGuard> {
  const redis = await RedisLoginGuard.connect(redisUrl, 300);
  clients.push(redis);
  return new RedisLoginGuard(
    redis,
    settings,
    new LoginGuard(settings, clock),
    (e) => trouble.push(e),
    prefix,
  );
}

afterAll(() => {
  for (const c of clients) c.disconnect();
});

const login = { mountPath: "auth/userpass/", path: "login/alice", remoteAddress: "10.0.0.7", data: {} };

describe("RedisLoginGuard", () => {
  it("counts failures across nodes, locks on all of them, and lets the lock expire", async () => {
    const prefix = `test:${randomBytes(4).toString("hex")}:`;
    const a = await node(prefix);
    const b = await node(prefix);
    const key = a.keyFor(login)!;
    expect(b.keyFor(login)).toBe(key);
    await a.failed(key);
    await b.failed(key);
    await expect(a.check(key)).resolves.toBeUndefined();
    await a.failed(key); // third failure, counted on either node: locked everywhere
    await expect(b.check(key)).rejects.toBeInstanceOf(RateLimited);
    await expect(a.check(key)).rejects.toBeInstanceOf(RateLimited);
    // Redis holds digests only: no username or address in any key.
    const probe = new Redis(url);
    clients.push(probe);
    const keys = await probe.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join()).not.toMatch(/alice|10\.0\.0\.7/);
    await new Promise((r) => setTimeout(r, 1100));
    await expect(b.check(key)).resolves.toBeUndefined();
  });

  it("a success on one node clears the count the other node sees", async () => {
    const prefix = `test:${randomBytes(4).toString("hex")}:`;
    const a = await node(prefix);
    const b = await node(prefix);
    const key = a.keyFor(login)!;
    await a.failed(key);
    await a.failed(key);
    await b.succeeded(key);
    await b.failed(key);
    await b.failed(key);
    await expect(a.check(key)).resolves.toBeUndefined();
  });

  it("falls back to the node's own counting while Redis cannot be reached", async () => {
    const trouble: unknown[] = [];
    const lonely = await node("test:down:", "redis://127.0.0.1:1", trouble);
    const key = lonely.keyFor(login)!;
    for (let i = 0; i < 3; i++) await lonely.failed(key);
    await expect(lonely.check(key)).rejects.toBeInstanceOf(RateLimited);
    await lonely.succeeded(key);
    expect(trouble.length).toBe(1); // reported once, not per request
  });
});
