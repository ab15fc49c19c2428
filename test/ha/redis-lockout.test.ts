/**
 * Login lockout shared through Redis (REDIS_URL) by two real servers: an attacker who spreads password
 * guesses over both nodes is locked out on both, as if they were one. Real Redis on 127.0.0.1:6379.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

const redisUrl = process.env.SECRETHUB_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describe("login lockout across nodes (Redis)", () => {
  const nodes: TestServer[] = [];
  // Fresh per run: a lock lasts 15 minutes in Redis, longer than a test run.
  const user = `mallory-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const s = await startServer({
        env: { REDIS_URL: redisUrl, LOGIN_LOCKOUT_THRESHOLD: "3", LOGIN_LOCKOUT_DURATION: "15m" },
        configure: (c) => ({ ...c, listener: { ...c.listener, trustedProxies: ["127.0.0.1"] } }),
      });
      await api(s.url, "POST", "sys/auth/userpass", { token: s.rootToken, body: { type: "userpass" } });
      await api(s.url, "POST", `auth/userpass/users/${user}`, {
        token: s.rootToken,
        body: { password: "right" },
      });
      nodes.push(s);
    }
  });
  afterAll(async () => {
    for (const s of nodes) await s.close();
  });

  const login = (s: TestServer, password: string, from = "10.66.0.1") =>
    api(s.url, "POST", `auth/userpass/login/${user}`, {
      body: { password },
      headers: { "x-forwarded-for": from },
    });

  it("guesses spread over two nodes lock the user out on both", async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    expect((await login(a, "guess-1")).status).toBe(400);
    expect((await login(b, "guess-2")).status).toBe(400);
    expect((await login(a, "right")).status).toBe(200); // two failures: not yet locked; success resets
    expect((await login(b, "guess-3")).status).toBe(400);
    expect((await login(a, "guess-4")).status).toBe(400);
    expect((await login(b, "guess-5")).status).toBe(400); // third failure since the reset
    for (const s of nodes) {
      const refused = await login(s, "right");
      expect(refused.status).toBe(429);
      expect(refused.body.errors[0]).toMatch(/too many failed login attempts/);
    }
    // Another source address is not affected, on either node.
    expect((await login(b, "right", "10.66.0.2")).status).toBe(200);
  });
});
