// AppRole over real HTTP: the operators' runbook steps (role, role-id, secret-id), login, the token it
// mints, failures that never say which half was wrong, and a second mount at a custom path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("approle over HTTP", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
    expect(
      (await api(s.url, "POST", "sys/auth/approle", { token: s.rootToken, body: { type: "approle" } }))
        .status,
    ).toBe(204);
  });
  afterAll(() => s.close());

  it("follows the runbook: role, role-id, secret-id, then login mints a working token", async () => {
    const t = s.rootToken;
    const role = await api(s.url, "POST", "auth/approle/role/admin", {
      token: t,
      body: { role_name: "admin", policies: ["admin"], token_ttl: 86400 },
    });
    expect(role.status).toBe(204);
    const read = await api(s.url, "GET", "auth/approle/role/admin", { token: t });
    expect(read.body.data).toMatchObject({
      token_policies: ["admin"],
      token_ttl: 86400,
      bind_secret_id: true,
    });
    const roleId = await api(s.url, "GET", "auth/approle/role/admin/role-id", { token: t });
    expect(roleId.status).toBe(200);
    const secret = await api(s.url, "POST", "auth/approle/role/admin/secret-id", { token: t });
    expect(secret.status).toBe(200);
    expect(secret.body.data).toMatchObject({ secret_id_ttl: 0, secret_id_num_uses: 0 });

    const login = await api(s.url, "POST", "auth/approle/login", {
      body: { role_id: roleId.body.data.role_id, secret_id: secret.body.data.secret_id },
    });
    expect(login.status).toBe(200);
    expect(login.body.auth).toMatchObject({
      policies: ["admin", "default"],
      token_policies: ["admin", "default"],
      metadata: { role_name: "admin" },
      lease_duration: 86400,
      renewable: true,
      token_type: "service",
    });
    const self = await api(s.url, "GET", "auth/token/lookup-self", { token: login.body.auth.client_token });
    expect(self.status).toBe(200);
    expect(self.body.data).toMatchObject({
      display_name: "approle-admin",
      path: "auth/approle/login",
      meta: { role_name: "admin" },
    });

    // The role's management paths need a token; login does not.
    expect((await api(s.url, "GET", "auth/approle/role/admin/role-id")).status).toBe(403);
    expect((await api(s.url, "LIST", "auth/approle/role", { token: t })).body.data.keys).toEqual(["admin"]);
  });

  it("answers 400 with the same message for a wrong role_id or secret_id", async () => {
    const t = s.rootToken;
    await api(s.url, "POST", "auth/approle/role/app", {
      token: t,
      body: { token_policies: "app", secret_id_num_uses: 1 },
    });
    const roleId = (await api(s.url, "GET", "auth/approle/role/app/role-id", { token: t })).body.data.role_id;
    const secretId = (await api(s.url, "POST", "auth/approle/role/app/secret-id", { token: t })).body.data
      .secret_id;
    const wrongSecret = await api(s.url, "POST", "auth/approle/login", {
      body: { role_id: roleId, secret_id: "x" },
    });
    const wrongRole = await api(s.url, "POST", "auth/approle/login", {
      body: { role_id: "x", secret_id: secretId },
    });
    expect(wrongSecret.status).toBe(400);
    expect(wrongSecret.body).toEqual({ errors: ["invalid role or secret ID"] });
    expect(wrongRole.body).toEqual(wrongSecret.body);
    // One use: the second login with the same secret id fails.
    expect(
      (await api(s.url, "POST", "auth/approle/login", { body: { role_id: roleId, secret_id: secretId } }))
        .status,
    ).toBe(200);
    expect(
      (await api(s.url, "POST", "auth/approle/login", { body: { role_id: roleId, secret_id: secretId } }))
        .status,
    ).toBe(400);
  });

  it("works at a custom mount path, with its own roles", async () => {
    const t = s.rootToken;
    expect(
      (await api(s.url, "POST", "sys/auth/ci/approle", { token: t, body: { type: "approle" } })).status,
    ).toBe(204);
    await api(s.url, "POST", "auth/ci/approle/role/build", { token: t, body: { token_policies: ["ci"] } });
    expect((await api(s.url, "GET", "auth/approle/role/build", { token: t })).status).toBe(404);
    const roleId = (await api(s.url, "GET", "auth/ci/approle/role/build/role-id", { token: t })).body.data
      .role_id;
    const secretId = (await api(s.url, "POST", "auth/ci/approle/role/build/secret-id", { token: t })).body
      .data.secret_id;
    const login = await api(s.url, "POST", "auth/ci/approle/login", {
      body: { role_id: roleId, secret_id: secretId },
    });
    expect(login.body.auth.policies).toEqual(["ci", "default"]);
    const auths = await api(s.url, "GET", "sys/auth", { token: t });
    expect(auths.body.data["ci/approle/"].type).toBe("approle");
  });
  it("locks a role_id out after five failures (Vault's default), before checking the secret id", async () => {
    const t = s.rootToken;
    await api(s.url, "POST", "auth/approle/role/guarded", { token: t, body: { token_policies: "app" } });
    const roleId = (await api(s.url, "GET", "auth/approle/role/guarded/role-id", { token: t })).body.data
      .role_id;
    const secretId = (await api(s.url, "POST", "auth/approle/role/guarded/secret-id", { token: t })).body.data
      .secret_id;
    for (let i = 0; i < 5; i++) {
      const r = await api(s.url, "POST", "auth/approle/login", {
        body: { role_id: roleId, secret_id: `guess-${i}` },
      });
      expect(r.status).toBe(400);
    }
    const locked = await api(s.url, "POST", "auth/approle/login", {
      body: { role_id: roleId, secret_id: secretId },
    });
    expect(locked.status).toBe(429);
    // The secret id was not spent or touched by the refused attempt.
    const lookup = await api(s.url, "POST", "auth/approle/role/guarded/secret-id/lookup", {
      token: t,
      body: { secret_id: secretId },
    });
    expect(lookup.status).toBe(200);
  });
});
