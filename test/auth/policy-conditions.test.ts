// The runbook's policy API (/v1/policies) and SecretHub's policy conditions end to end: a token whose
// policy carries a source_ip condition is served from a matching address and refused from any other.
// Addresses are simulated with X-Forwarded-For, trusted only because loopback is a configured proxy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("policy conditions and /v1/policies", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({
      configure: (c) => ({ ...c, listener: { ...c.listener, trustedProxies: ["127.0.0.1"] } }),
    });
  });
  afterAll(() => s.close());

  const from = (address: string) => ({ "x-forwarded-for": address });

  it("writes the runbook's policies and reads them back", async () => {
    const t = s.rootToken;
    const readOnly = await api(s.url, "POST", "policies", {
      token: t,
      body: { name: "read-only", rules: [{ path: "*", capabilities: ["read"], effect: "allow" }] },
    });
    expect(readOnly.status).toBe(204);
    const production = await api(s.url, "POST", "policies", {
      token: t,
      body: {
        name: "production",
        rules: [
          {
            path: "secret/data/prod/*",
            capabilities: ["read"],
            effect: "allow",
            conditions: { time_of_day: [0, 23], source_ip: "10.0.0.0/8" },
          },
        ],
      },
    });
    expect(production.status).toBe(204);
    const read = await api(s.url, "GET", "policies/production", { token: t });
    expect(read.body.data).toEqual({
      name: "production",
      rules: [
        {
          path: "secret/data/prod/*",
          capabilities: ["read"],
          effect: "allow",
          conditions: { source_ip: ["10.0.0.0/8"], time_of_day: [0, 23], timezone: "UTC" },
        },
      ],
    });
    expect((await api(s.url, "LIST", "policies", { token: t })).body.data.keys).toEqual(
      expect.arrayContaining(["default", "production", "read-only", "root"]),
    );
    // Same store as Vault's API.
    expect((await api(s.url, "GET", "sys/policies/acl/production", { token: t })).body.data.policy).toContain(
      "10.0.0.0/8",
    );
    const bad = await api(s.url, "PUT", "policies/broken", {
      token: t,
      body: { rules: [{ path: "x", capabilities: ["fly"] }] },
    });
    expect(bad.status).toBe(400);
  });

  it("serves a source_ip-conditioned token from a matching address and refuses it elsewhere", async () => {
    const t = s.rootToken;
    await api(s.url, "PUT", "secret/data/prod/db", { token: t, body: { data: { password: "p" } } });
    const created = await api(s.url, "POST", "auth/token/create", {
      token: t,
      body: { policies: ["production"] },
    });
    const token = created.body.auth.client_token;
    const inside = await api(s.url, "GET", "secret/data/prod/db", { token, headers: from("10.20.30.40") });
    expect(inside.status).toBe(200);
    expect(inside.body.data.data).toEqual({ password: "p" });
    expect(
      (await api(s.url, "GET", "secret/data/prod/db", { token, headers: from("192.168.1.10") })).status,
    ).toBe(403);
    // Without a forwarded address the caller is 127.0.0.1: outside 10.0.0.0/8.
    expect((await api(s.url, "GET", "secret/data/prod/db", { token })).status).toBe(403);
  });

  it("guards /v1/policies with ACLs like any path", async () => {
    const t = s.rootToken;
    await api(s.url, "PUT", "sys/policies/acl/policy-reader", {
      token: t,
      body: { policy: 'path "policies/*" { capabilities = ["read", "list"] }' },
    });
    const token = (
      await api(s.url, "POST", "auth/token/create", { token: t, body: { policies: ["policy-reader"] } })
    ).body.auth.client_token;
    expect((await api(s.url, "GET", "policies/read-only", { token })).status).toBe(200);
    expect((await api(s.url, "PUT", "policies/read-only", { token, body: { rules: [] } })).status).toBe(403);
    expect((await api(s.url, "DELETE", "policies/read-only", { token })).status).toBe(403);
    expect((await api(s.url, "GET", "policies/read-only")).status).toBe(403);
  });
});
