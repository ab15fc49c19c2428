// `secrethub login -method=...` against the real auth methods (not a stand-in server).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";
import { makeCli, type Cli } from "./harness.js";

describe("CLI login with userpass and approle", () => {
  let s: TestServer;
  let cli: Cli;
  beforeAll(async () => {
    s = await startServer();
    cli = makeCli({ SECRETHUB_ADDR: s.url });
    const t = s.rootToken;
    await api(s.url, "POST", "sys/auth/userpass", { token: t, body: { type: "userpass" } });
    await api(s.url, "POST", "auth/userpass/users/alice", {
      token: t,
      body: { password: "s3cret-pass", token_policies: ["default"] },
    });
    await api(s.url, "POST", "sys/auth/approle", { token: t, body: { type: "approle" } });
    await api(s.url, "POST", "auth/approle/role/agents", {
      token: t,
      body: { role_name: "agents", policies: ["default"], token_ttl: 3600 },
    });
  });
  afterAll(async () => {
    cli.cleanup();
    await s.close();
  });

  it("userpass: logs in, stores the token, and the token works", async () => {
    const r = await cli.run(["login", "-method=userpass", "username=alice", "password=s3cret-pass"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("hvs.");
    const token = readFileSync(join(cli.homeDir, ".secrethub-token"), "utf8").trim();
    expect(token).toMatch(/^hvs\./);
    const me = await api(s.url, "GET", "auth/token/lookup-self", { token });
    expect(me.body.data.meta).toMatchObject({ username: "alice" });
    const bad = await cli.run(["login", "-method=userpass", "username=alice", "password=wrong"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("invalid username or password");
  });

  it("approle: role_id and secret_id from the runbook's admin-style role", async () => {
    const t = s.rootToken;
    const roleId = (await api(s.url, "GET", "auth/approle/role/agents/role-id", { token: t })).body.data
      .role_id;
    const secretId = (await api(s.url, "POST", "auth/approle/role/agents/secret-id", { token: t })).body.data
      .secret_id;
    const r = await cli.run([
      "login",
      "-method=approle",
      `role_id=${roleId}`,
      `secret_id=${secretId}`,
      "-token-only",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const token = r.stdout.trim();
    const me = await api(s.url, "GET", "auth/token/lookup-self", { token });
    expect(me.body.data.meta).toMatchObject({ role_name: "agents" });
    expect(me.body.data.ttl).toBeLessThanOrEqual(3600);
  });
});
