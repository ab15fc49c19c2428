import { readFileSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { makeCli, type Cli } from "./harness.js";

const POLICY = `path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n`;

describe("secrethub policy, token and login against a real server", () => {
  let server: TestServer;
  let admin: Cli;
  let appToken = "";

  beforeAll(async () => {
    server = await startServer();
    admin = makeCli({ SECRETHUB_ADDR: server.url, SECRETHUB_TOKEN: server.rootToken });
    await admin.run(["kv", "put", "secret/app/db", "password=pw"]);
  });
  afterAll(async () => {
    admin?.cleanup();
    await server?.close();
  });

  it("writes a policy from stdin and reads it back", async () => {
    const write = await admin.run(["policy", "write", "app", "-"], { stdin: POLICY });
    expect(write).toEqual({ code: 0, stdout: "Success! Uploaded policy: app\n", stderr: "" });
    const list = await admin.run(["policy", "list"]);
    expect(list.stdout.split("\n")).toContain("app");
    expect((await admin.run(["policy", "read", "app"])).stdout).toBe(POLICY);
    expect((await admin.run(["policy", "read", "nope"])).code).toBe(2);
  });

  it("creates a token (printing it, as asked) with policies, ttl and metadata", async () => {
    const created = await admin.run([
      "token",
      "create",
      "-policy=app",
      "-ttl=1h",
      "-display-name=ci",
      "-metadata=team=ops",
      "-format=json",
    ]);
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout);
    appToken = body.auth.client_token;
    expect(appToken).toMatch(/\S{8,}/);
    expect(body.auth.policies).toContain("app");
    const table = await admin.run(["token", "create", "-policy", "app"]);
    expect(table.stdout).toMatch(/^token\s+\S+$/m);
    expect(table.stdout).toMatch(/^token_policies\s+\[.*app.*\]$/m);
    const field = await admin.run(["token", "create", "-field=token"]);
    expect(field.stdout).toMatch(/^\S+$/);
  });

  it("looks a token up without printing it", async () => {
    const lookup = await admin.run(["token", "lookup", appToken]);
    expect(lookup.code).toBe(0);
    expect(lookup.stdout).toMatch(/^policies\s+\[.*app.*\]$/m);
    expect(lookup.stdout).toMatch(/^display_name\s+\S*ci$/m);
    expect(lookup.stdout).not.toContain(appToken);
    const json = await admin.run(["token", "lookup", "-format=json", appToken]);
    expect(json.stdout).not.toContain(appToken);
    const accessor = JSON.parse(json.stdout).data.accessor;
    const byAccessor = await admin.run(["token", "lookup", "-accessor", accessor]);
    expect(byAccessor.code).toBe(0);
    expect(byAccessor.stdout).toMatch(/^policies\s+\[.*app.*\]$/m);
  });

  it("uses a policy-limited token: reads allowed, writes denied with one error line and exit 1", async () => {
    const asApp = { env: { SECRETHUB_TOKEN: appToken } };
    expect((await admin.run(["kv", "get", "-field=password", "secret/app/db"], asApp)).stdout).toBe("pw");
    const denied = await admin.run(["kv", "put", "secret/app/db", "password=x"], asApp);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe("");
    expect(denied.stderr).toMatch(/^Error: [^\n]*permission denied[^\n]* \(HTTP 403\)\n$/);
    const sys = await admin.run(["secrets", "list"], asApp);
    expect(sys.code).toBe(1);
    expect(sys.stderr).toMatch(/\(HTTP 403\)\n$/);
  });

  it("login stores the token in ~/.secrethub-token (0600) and never prints it", async () => {
    const user = makeCli({ SECRETHUB_ADDR: server.url });
    try {
      expect((await user.run(["token", "lookup"])).code).toBe(1);
      const login = await user.run(["login", appToken]);
      expect(login.stderr).toBe("");
      expect(login.code).toBe(0);
      expect(login.stdout).toContain("Success! You are now authenticated.");
      expect(login.stdout).toMatch(/^token_policies\s+\[.*app.*\]$/m);
      expect(login.stdout).not.toContain(appToken);
      const file = join(user.homeDir, ".secrethub-token");
      expect(readFileSync(file, "utf8")).toBe(appToken);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const lookup = await user.run(["token", "lookup", "-format=json"]);
      expect(lookup.code).toBe(0);
      expect(JSON.parse(lookup.stdout).data.policies).toContain("app");
      expect((await user.run(["kv", "get", "-field=password", "secret/app/db"])).stdout).toBe("pw");
    } finally {
      user.cleanup();
    }
  });

  it("accepts the legacy `auth <token>`, -no-store, -token-only and a token on stdin", async () => {
    const user = makeCli({ SECRETHUB_ADDR: server.url });
    try {
      const file = join(user.homeDir, ".secrethub-token");
      const noStore = await user.run(["login", "-no-store", "-token-only", server.rootToken]);
      expect(noStore).toEqual({ code: 0, stdout: server.rootToken, stderr: "" });
      expect(existsSync(file)).toBe(false);
      expect((await user.run(["auth", server.rootToken])).code).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(server.rootToken);
      expect((await user.run(["login"], { stdin: `${appToken}\n` })).code).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(appToken);
      const bad = await user.run(["login", "not-a-token"]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/\(HTTP 403\)\n$/);
      expect(readFileSync(file, "utf8")).toBe(appToken);
    } finally {
      user.cleanup();
    }
  });

  it("renews and revokes tokens", async () => {
    const child = JSON.parse(
      (await admin.run(["token", "create", "-policy=app", "-ttl=1h", "-format=json"])).stdout,
    ).auth.client_token as string;
    const renew = await admin.run(["token", "renew", "-increment=30m", child]);
    expect(renew.code).toBe(0);
    expect(renew.stdout).not.toContain(child);
    expect(renew.stdout).toMatch(/^token_duration\s+30m$/m);
    const revoke = await admin.run(["token", "revoke", child]);
    expect(revoke).toEqual({ code: 0, stdout: "Success! Revoked token (if it existed)\n", stderr: "" });
    expect(
      (await admin.run(["token", "lookup", "-format=json"], { env: { SECRETHUB_TOKEN: child } })).code,
    ).toBe(1);
    const self = await admin.run(["token", "revoke", "-self"], { env: { SECRETHUB_TOKEN: appToken } });
    expect(self.code).toBe(0);
    expect(
      (await admin.run(["kv", "get", "secret/app/db"], { env: { SECRETHUB_TOKEN: appToken } })).code,
    ).toBe(1);
    expect((await admin.run(["token", "revoke"])).code).toBe(2);
  });

  it("deletes a policy", async () => {
    expect((await admin.run(["policy", "delete", "app"])).stdout).toBe("Success! Deleted policy: app\n");
    expect((await admin.run(["policy", "list"])).stdout.split("\n")).not.toContain("app");
  });
});
