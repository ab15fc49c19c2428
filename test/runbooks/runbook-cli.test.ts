// Our operators' runbooks, step by step with the `secrethub` CLI in place of `vault` (shared/runbooks):
// init 5/3, unseal, `auth <root-token>`, policy from stdin, `secrets enable -path=secret kv-v2`,
// `kv put` of generated credentials, reading them back under the written policy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCli, type Cli } from "../cli/harness.js";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("runbook: initialize, unseal, log in, policy, KV (vault CLI steps)", () => {
  let server: TestServer;
  let cli: Cli;
  let keys: string[] = [];
  let root = "";
  beforeAll(async () => {
    server = await startServer({ uninitialized: true });
    cli = makeCli({ SECRETHUB_ADDR: server.url });
  });
  afterAll(async () => {
    cli.cleanup();
    await server.close();
  });

  it("operator init -key-shares=5 -key-threshold=3, then three unseals", async () => {
    const init = await cli.run(["operator", "init", "-key-shares=5", "-key-threshold=3"]);
    expect(init.code).toBe(0);
    keys = [...init.stdout.matchAll(/^Unseal Key \d: (\S+)$/gm)].map((m) => m[1] ?? "");
    root = /^Initial Root Token: (\S+)$/m.exec(init.stdout)?.[1] ?? "";
    expect(keys).toHaveLength(5);
    for (const key of [keys[0], keys[2], keys[4]]) {
      expect((await cli.run(["operator", "unseal", key ?? ""])).code).toBe(0);
    }
    const seal = await api(server.url, "GET", "sys/seal-status");
    expect(seal.body).toMatchObject({ sealed: false, t: 3, n: 5, progress: 0 });
  });

  it("auth <root-token> logs in (legacy vault verb)", async () => {
    const login = await cli.run(["auth", root]);
    expect(login.code).toBe(0);
    expect((await cli.run(["token", "lookup"])).stdout).toMatch(/policies\s+\[root\]/);
  });

  it("policy write NAME - from a heredoc, secrets enable, kv put, kv get under that policy", async () => {
    const policy = `# compliance policy
path "secret/data/xaheen-cli/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
path "secret/metadata/xaheen-cli/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
`;
    expect((await cli.run(["policy", "write", "xaheen-cli", "-"], { stdin: policy })).code).toBe(0);
    expect((await cli.run(["secrets", "enable", "-path=secret", "kv-v2"])).code).toBe(0);
    const put = await cli.run([
      "kv",
      "put",
      "secret/xaheen-cli/database",
      "username=xaheen_cli_user",
      "password=Zm9vYmFyYmF6cXV4",
      "host=postgresql.xaheen-production.svc.cluster.local",
      "port=5432",
      "database=xaheen_cli",
    ]);
    expect(put.code, put.stderr).toBe(0);
    const token = await cli.run(["token", "create", "-policy=xaheen-cli", "-field=token"]);
    expect(token.code).toBe(0);
    const app = makeCli({ SECRETHUB_ADDR: server.url, SECRETHUB_TOKEN: token.stdout.trim() });
    try {
      const got = await app.run(["kv", "get", "-field=password", "secret/xaheen-cli/database"]);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout).toBe("Zm9vYmFyYmF6cXV4");
      const denied = await app.run(["kv", "get", "secret/other"]);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain("403");
    } finally {
      app.cleanup();
    }
  });

  it("curl steps: POST init-style bodies without a JSON content type; secrets/static flow", async () => {
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const health = await api(server.url, "GET", "sys/health");
    expect(health.body).toMatchObject({ initialized: true, sealed: false, standby: false });
    expect(typeof health.body.hostname).toBe("string");
    await api(server.url, "POST", "sys/mounts/secrets/static", { token: root, body: { type: "kv" } });
    const w = await api(server.url, "POST", "secrets/static/test/hello", {
      token: root,
      headers: form,
      body: JSON.stringify({ data: { message: "Hello Production!" } }),
    });
    expect(w.status).toBe(204);
    const r = await api(server.url, "GET", "secrets/static/test/hello", { token: root });
    expect(r.body.data.data.message).toBe("Hello Production!");
  });
});
