// token_bound_cidrs hold when the token is used, not only at login: a token minted for 10.0.0.0/8 is
// refused from elsewhere. Addresses come from X-Forwarded-For, trusted because loopback is a proxy here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("token_bound_cidrs on use", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({
      configure: (c) => ({ ...c, listener: { ...c.listener, trustedProxies: ["127.0.0.1"] } }),
    });
  });
  afterAll(() => s.close());

  it("refuses the token from outside its CIDRs and serves it inside", async () => {
    const t = s.rootToken;
    await api(s.url, "POST", "sys/auth/approle", { token: t, body: { type: "approle" } });
    await api(s.url, "POST", "auth/approle/role/bound", {
      token: t,
      body: { token_policies: ["default"], token_bound_cidrs: ["10.0.0.0/8"] },
    });
    const roleId = (await api(s.url, "GET", "auth/approle/role/bound/role-id", { token: t })).body.data
      .role_id;
    const secretId = (await api(s.url, "POST", "auth/approle/role/bound/secret-id", { token: t })).body.data
      .secret_id;
    const inside = { "x-forwarded-for": "10.1.2.3" };
    const login = await api(s.url, "POST", "auth/approle/login", {
      headers: inside,
      body: { role_id: roleId, secret_id: secretId },
    });
    expect(login.status).toBe(200);
    const token = login.body.auth.client_token as string;
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token, headers: inside })).status).toBe(200);
    const outside = { "x-forwarded-for": "192.168.7.7" };
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token, headers: outside })).status).toBe(403);
  });
});
