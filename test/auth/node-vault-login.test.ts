// The node-vault npm client, unchanged: approleLogin and userpassLogin against a real server.
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

const require = createRequire(import.meta.url);
const nodeVault = require("node-vault") as (opts: Record<string, unknown>) => any;

describe("node-vault logins", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
    const t = s.rootToken;
    await api(s.url, "POST", "sys/auth/approle", { token: t, body: { type: "approle" } });
    await api(s.url, "POST", "sys/auth/userpass", { token: t, body: { type: "userpass" } });
    await api(s.url, "PUT", "sys/policies/acl/reader", {
      token: t,
      body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' },
    });
    await api(s.url, "PUT", "secret/data/app/config", { token: t, body: { data: { greeting: "hello" } } });
  });
  afterAll(() => s.close());

  it("approleLogin returns an auth block and the client uses the token", async () => {
    const admin = nodeVault({ apiVersion: "v1", endpoint: s.url, token: s.rootToken });
    await admin.write("auth/approle/role/app", { token_policies: ["reader"], token_ttl: "1h" });
    const roleId = (await admin.read("auth/approle/role/app/role-id")).data.role_id;
    const secretId = (await admin.write("auth/approle/role/app/secret-id", {})).data.secret_id;

    const client = nodeVault({ apiVersion: "v1", endpoint: s.url });
    const result = await client.approleLogin({ role_id: roleId, secret_id: secretId });
    expect(result.auth.policies).toEqual(["default", "reader"]);
    expect(result.auth.metadata).toEqual({ role_name: "app" });
    expect(client.token).toBe(result.auth.client_token);
    expect((await client.read("secret/data/app/config")).data.data).toEqual({ greeting: "hello" });
    await expect(client.approleLogin({ role_id: roleId, secret_id: "wrong" })).rejects.toMatchObject({
      response: { statusCode: 400 },
    });
  });

  it("userpassLogin returns an auth block and the client uses the token", async () => {
    const admin = nodeVault({ apiVersion: "v1", endpoint: s.url, token: s.rootToken });
    await admin.write("auth/userpass/users/alice", { password: "alice-pw", token_policies: "reader" });
    const client = nodeVault({ apiVersion: "v1", endpoint: s.url });
    const result = await client.userpassLogin({ username: "alice", password: "alice-pw" });
    expect(result.auth.metadata).toEqual({ username: "alice" });
    expect(client.token).toBe(result.auth.client_token);
    expect((await client.read("secret/data/app/config")).data.data.greeting).toBe("hello");
    await expect(client.userpassLogin({ username: "alice", password: "nope" })).rejects.toMatchObject({
      response: { statusCode: 400 },
    });
  });
});
