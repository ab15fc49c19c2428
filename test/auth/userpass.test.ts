// userpass over real HTTP: users, login, password change; the lockout after repeated failures (429
// before the method runs, per address and user); and the admin bootstrap from ADMIN_USERNAME /
// ADMIN_PASSWORD_HASH after every unseal.
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer, type TestServerOptions } from "../helpers/server.js";

/** X-Forwarded-For from loopback is trusted, so tests can log in "from" any address. */
const trustLoopbackProxy: TestServerOptions = {
  configure: (c) => ({ ...c, listener: { ...c.listener, trustedProxies: ["127.0.0.1"] } }),
};

describe("userpass over HTTP", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({
      env: { LOGIN_LOCKOUT_THRESHOLD: "3", LOGIN_LOCKOUT_DURATION: "15m" },
      ...trustLoopbackProxy,
    });
    await api(s.url, "POST", "sys/auth/userpass", { token: s.rootToken, body: { type: "userpass" } });
  });
  afterAll(() => s.close());

  const login = (user: string, password: string, from = "10.0.0.1") =>
    api(s.url, "POST", `auth/userpass/login/${user}`, {
      body: { password },
      headers: { "x-forwarded-for": from },
    });

  it("creates a user, logs in with metadata.username, and changes the password", async () => {
    const t = s.rootToken;
    const created = await api(s.url, "POST", "auth/userpass/users/alice", {
      token: t,
      body: { password: "first-pw", token_policies: ["dev"], token_ttl: "1h" },
    });
    expect(created.status).toBe(204);
    const read = await api(s.url, "GET", "auth/userpass/users/alice", { token: t });
    expect(read.body.data).toMatchObject({ token_policies: ["dev"], token_ttl: 3600 });
    expect(read.text).not.toContain("first-pw");
    const ok = await login("alice", "first-pw");
    expect(ok.status).toBe(200);
    expect(ok.body.auth).toMatchObject({
      policies: ["default", "dev"],
      metadata: { username: "alice" },
      lease_duration: 3600,
    });
    await api(s.url, "POST", "auth/userpass/users/alice/password", {
      token: t,
      body: { password: "second-pw" },
    });
    expect((await login("alice", "first-pw")).status).toBe(400);
    expect((await login("alice", "second-pw")).status).toBe(200);
  });

  it("answers 400 'invalid username or password' for both halves", async () => {
    await api(s.url, "POST", "auth/userpass/users/bob", { token: s.rootToken, body: { password: "bob-pw" } });
    const wrong = await login("bob", "nope", "10.0.0.2");
    const unknown = await login("nobody", "bob-pw", "10.0.0.2");
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ errors: ["invalid username or password"] });
    expect(unknown.body).toEqual(wrong.body);
  });

  it("locks a user out from one address after repeated failures, refusing even the right password", async () => {
    await api(s.url, "POST", "auth/userpass/users/carol", {
      token: s.rootToken,
      body: { password: "carol-pw" },
    });
    for (let i = 0; i < 3; i++) expect((await login("carol", `guess-${i}`, "10.9.9.9")).status).toBe(400);
    const locked = await login("carol", "carol-pw", "10.9.9.9");
    expect(locked.status).toBe(429);
    expect(locked.body.errors[0]).toMatch(/too many failed login attempts/);
    // Another address, or another user from the same address, is not affected.
    expect((await login("carol", "carol-pw", "10.8.8.8")).status).toBe(200);
    await api(s.url, "POST", "auth/userpass/users/dan", { token: s.rootToken, body: { password: "dan-pw" } });
    expect((await login("dan", "dan-pw", "10.9.9.9")).status).toBe(200);
  });

  it("a success resets the count", async () => {
    await api(s.url, "POST", "auth/userpass/users/erin", {
      token: s.rootToken,
      body: { password: "erin-pw" },
    });
    for (let round = 0; round < 3; round++) {
      expect((await login("erin", "bad", "10.7.7.7")).status).toBe(400);
      expect((await login("erin", "bad", "10.7.7.7")).status).toBe(400);
      expect((await login("erin", "erin-pw", "10.7.7.7")).status).toBe(200);
    }
  });
});

describe("admin bootstrap", () => {
  let s: TestServer;
  const hash = bcrypt.hashSync("admin-secret", 4);
  beforeAll(async () => {
    s = await startServer({ env: { ADMIN_USERNAME: "admin", ADMIN_PASSWORD_HASH: hash } });
  });
  afterAll(() => s.close());

  it("enables userpass and creates the admin user and policy after unseal", async () => {
    const auths = await api(s.url, "GET", "sys/auth", { token: s.rootToken });
    expect(auths.body.data["userpass/"].type).toBe("userpass");
    const policy = await api(s.url, "GET", "sys/policies/acl/admin", { token: s.rootToken });
    expect(policy.body.data.policy).toContain('path "*"');
    const login = await api(s.url, "POST", "auth/userpass/login/admin", {
      body: { password: "admin-secret" },
    });
    expect(login.status).toBe(200);
    expect(login.body.auth.policies).toEqual(["admin", "default"]);
    const admin = login.body.auth.client_token;
    // sudo on everything: operator paths work, root-token minting does not.
    expect((await api(s.url, "GET", "sys/mounts", { token: admin })).status).toBe(200);
    expect((await api(s.url, "LIST", "auth/token/accessors", { token: admin })).status).toBe(200);
    const rootChild = await api(s.url, "POST", "auth/token/create", {
      token: admin,
      body: { policies: ["root"] },
    });
    expect(rootChild.status).toBe(400);
  });

  it("keeps an operator's edits to the admin policy and restores the password after each unseal", async () => {
    const t = s.rootToken;
    const narrowed = 'path "sys/*" { capabilities = ["read", "list"] }';
    await api(s.url, "PUT", "sys/policies/acl/admin", { token: t, body: { policy: narrowed } });
    await api(s.url, "POST", "auth/userpass/users/admin/password", {
      token: t,
      body: { password: "changed" },
    });
    expect((await api(s.url, "PUT", "sys/seal", { token: t })).status).toBe(204);
    expect((await api(s.url, "PUT", "sys/unseal", { body: { key: s.unsealKeys[0] } })).body.sealed).toBe(
      false,
    );
    expect(
      (await api(s.url, "POST", "auth/userpass/login/admin", { body: { password: "changed" } })).status,
    ).toBe(400);
    expect(
      (await api(s.url, "POST", "auth/userpass/login/admin", { body: { password: "admin-secret" } })).status,
    ).toBe(200);
    expect((await api(s.url, "GET", "sys/policies/acl/admin", { token: t })).body.data.policy).toBe(narrowed);
  });
});
