import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { makeCli, type Cli } from "./harness.js";

describe("secrethub operator and status on an uninitialized server", () => {
  let server: TestServer;
  let cli: Cli;
  let keys: string[] = [];
  let rootToken = "";

  beforeAll(async () => {
    server = await startServer({ uninitialized: true });
    cli = makeCli({ VAULT_ADDR: server.url });
  });
  afterAll(async () => {
    cli?.cleanup();
    await server?.close();
  });

  it("status exits 2 before initialization", async () => {
    const status = await cli.run(["status"]);
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/^Initialized\s+false$/m);
    expect(status.stdout).toMatch(/^Sealed\s+true$/m);
    expect((await cli.run(["operator", "init", "-status"])).code).toBe(2);
  });

  it("operator init prints the unseal keys and root token like vault", async () => {
    const init = await cli.run(["operator", "init", "-key-shares=3", "-key-threshold", "2"]);
    expect(init.stderr).toBe("");
    expect(init.code).toBe(0);
    keys = [...init.stdout.matchAll(/^Unseal Key \d: (\S+)$/gm)].map((m) => m[1] ?? "");
    rootToken = /^Initial Root Token: (\S+)$/m.exec(init.stdout)?.[1] ?? "";
    expect(keys).toHaveLength(3);
    expect(rootToken).not.toBe("");
    expect(init.stdout).toContain("3 key shares and a key threshold of 2");
    expect((await cli.run(["operator", "init", "-status"])).code).toBe(0);
  });

  it("refuses a second init with the server's message and exit 1", async () => {
    const again = await cli.run(["operator", "init"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^Error: .*already initialized.* \(HTTP 400\)\n$/i);
  });

  it("status shows unseal progress while sealed", async () => {
    const status = await cli.run(["status"]);
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/^Unseal Progress\s+0\/2$/m);
    expect(status.stdout).toMatch(/^Total Shares\s+3$/m);
  });

  it("unseals with a key argument, then a key on stdin", async () => {
    const first = await cli.run(["operator", "unseal", keys[0] ?? ""]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Unseal Progress\s+1\/2$/m);
    const second = await cli.run(["operator", "unseal"], { stdin: `${keys[1] ?? ""}\n` });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^Sealed\s+false$/m);
    const status = await cli.run(["status", "-format=json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ initialized: true, sealed: false, t: 2, n: 3 });
  });

  it("seals with a token, and -reset discards a partial unseal", async () => {
    const sealed = await cli.run(["operator", "seal"], { env: { VAULT_TOKEN: rootToken } });
    expect(sealed).toMatchObject({ code: 0, stdout: "Success! Vault is sealed.\n" });
    expect((await cli.run(["status"])).code).toBe(2);
    await cli.run(["operator", "unseal", keys[2] ?? ""]);
    const reset = await cli.run(["operator", "unseal", "-reset"]);
    expect(reset.stdout).toMatch(/^Unseal Progress\s+0\/2$/m);
  });

  it("rejects a bad key with exit 1 and stays sealed", async () => {
    const bad = await cli.run(["operator", "unseal", "bm90LWEta2V5"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^Error: .+ \(HTTP 400\)\n$/);
    expect((await cli.run(["status"])).code).toBe(2);
  });
});
