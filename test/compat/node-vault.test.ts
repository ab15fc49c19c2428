// The real node-vault npm client, unchanged, against a real SecretHub server: init, unseal, policy,
// tokens, mounts and KV v2 (including its LIST verb).
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";

const require = createRequire(import.meta.url);
const nodeVault = require("node-vault") as (opts: Record<string, unknown>) => any;

describe("node-vault compatibility", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ uninitialized: true });
  });
  afterAll(() => s.close());

  it("drives init, unseal, policies, tokens and KV v2 unchanged", async () => {
    const vault = nodeVault({ apiVersion: "v1", endpoint: s.url });
    expect(await vault.initialized()).toEqual({ initialized: false });
    const init = await vault.init({ secret_shares: 3, secret_threshold: 2 });
    expect(init.keys).toHaveLength(3);
    vault.token = init.root_token;
    await vault.unseal({ secret_shares: 1, key: init.keys[0] });
    const st = await vault.unseal({ secret_shares: 1, key: init.keys[2] });
    expect(st.sealed).toBe(false);
    expect((await vault.status()).sealed).toBe(false);
    expect((await vault.health()).initialized).toBe(true);

    await vault.addPolicy({
      name: "reader",
      rules:
        'path "secret/data/*" { capabilities = ["read", "create", "update"] }\npath "secret/metadata/*" { capabilities = ["list"] }',
    });
    const policies = await vault.policies();
    expect(policies.policies).toContain("reader");
    expect((await vault.getPolicy({ name: "reader" })).rules).toContain("secret/data/*");

    await vault.write("secret/data/compat/one", { data: { hello: "world" } });
    await vault.write("secret/data/compat/two", { data: { n: 2 } });
    const read = await vault.read("secret/data/compat/one");
    expect(read.data.data).toEqual({ hello: "world" });
    const listed = await vault.list("secret/metadata/compat");
    expect(listed.data.keys).toEqual(["one", "two"]);

    const created = await vault.tokenCreate({ policies: ["reader"], ttl: "1h" });
    // node-vault adopts the token of every "token source" call (tokenCreate, logins): switch back.
    expect(vault.token).toBe(created.auth.client_token);
    vault.token = init.root_token;
    const child = nodeVault({ apiVersion: "v1", endpoint: s.url, token: created.auth.client_token });
    expect((await child.read("secret/data/compat/one")).data.data.hello).toBe("world");
    expect((await child.tokenLookupSelf()).data.policies).toEqual(["default", "reader"]);
    await expect(child.read("sys/mounts")).rejects.toMatchObject({ response: { statusCode: 403 } });

    const mounts = await vault.mounts();
    expect(mounts["secret/"].type).toBe("kv");
    await vault.mount({ mount_point: "kv1", type: "kv" });
    await vault.write("kv1/thing", { a: "b" });
    expect((await vault.read("kv1/thing")).data).toEqual({ a: "b" });
    await vault.unmount({ mount_point: "kv1" });

    await vault.tokenRevoke({ token: created.auth.client_token });
    await expect(child.tokenLookupSelf()).rejects.toMatchObject({ response: { statusCode: 403 } });
    await expect(vault.read("secret/data/compat/missing")).rejects.toMatchObject({
      response: { statusCode: 404 },
    });
  });
});
