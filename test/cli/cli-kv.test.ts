import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { makeCli, type Cli } from "./harness.js";

describe("secrethub kv against a real server", () => {
  let server: TestServer;
  let cli: Cli;

  beforeAll(async () => {
    server = await startServer();
    cli = makeCli({ SECRETHUB_ADDR: server.url, SECRETHUB_TOKEN: server.rootToken });
  });
  afterAll(async () => {
    cli?.cleanup();
    await server?.close();
  });

  it("puts a secret and prints the new version's metadata", async () => {
    const put = await cli.run(["kv", "put", "secret/app/db", "username=app", "password=s3cret"]);
    expect(put.stderr).toBe("");
    expect(put.code).toBe(0);
    expect(put.stdout).toContain("=== Secret Path ===\nsecret/data/app/db\n\n");
    expect(put.stdout).toMatch(/^version\s+1$/m);
  });

  it("gets one field raw, with no newline, for scripts", async () => {
    const get = await cli.run(["kv", "get", "-field=password", "secret/app/db"]);
    expect(get).toEqual({ code: 0, stdout: "s3cret", stderr: "" });
    const spaced = await cli.run(["kv", "get", "--field", "username", "secret/app/db"]);
    expect(spaced.stdout).toBe("app");
  });

  it("prints metadata and data tables, and the raw response with -format=json", async () => {
    const table = await cli.run(["kv", "get", "secret/app/db"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/=+ Metadata =+/);
    expect(table.stdout).toMatch(/=+ Data =+\nKey\s+Value\n---\s+-----\npassword\s+s3cret\nusername\s+app/);
    const json = await cli.run(["kv", "get", "-format=json", "secret/app/db"]);
    const body = JSON.parse(json.stdout);
    expect(body.data.data).toEqual({ username: "app", password: "s3cret" });
    expect(body.data.metadata.version).toBe(1);
  });

  it("accepts -mount with a relative path, and reads older versions", async () => {
    expect(
      (await cli.run(["kv", "put", "-mount=secret", "app/db", "username=app", "password=v2"])).code,
    ).toBe(0);
    expect((await cli.run(["kv", "get", "-mount", "secret", "-field=password", "app/db"])).stdout).toBe("v2");
    expect((await cli.run(["kv", "get", "-version=1", "-field=password", "secret/app/db"])).stdout).toBe(
      "s3cret",
    );
  });

  it("enforces check-and-set", async () => {
    const stale = await cli.run(["kv", "put", "-cas=1", "secret/app/db", "password=x"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^Error: .*check-and-set.* \(HTTP 400\)\n$/);
  });

  it("lists keys under a folder", async () => {
    await cli.run(["kv", "put", "secret/app/cache", "url=redis://x"]);
    const list = await cli.run(["kv", "list", "secret/app"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe("Keys\n----\ncache\ndb\n");
  });

  it("soft-deletes, undeletes and reports a missing secret with exit 2", async () => {
    await cli.run(["kv", "put", "secret/tmp/x", "a=1"]);
    const del = await cli.run(["kv", "delete", "secret/tmp/x"]);
    expect(del).toMatchObject({
      code: 0,
      stdout: "Success! Data deleted (if it existed) at: secret/data/tmp/x\n",
    });
    const afterDelete = await cli.run(["kv", "get", "-format=json", "secret/tmp/x"]);
    expect(afterDelete.code).toBe(0);
    expect(JSON.parse(afterDelete.stdout).data.metadata.deletion_time).not.toBe("");
    expect((await cli.run(["kv", "undelete", "-versions=1", "secret/tmp/x"])).code).toBe(0);
    expect((await cli.run(["kv", "get", "-field=a", "secret/tmp/x"])).stdout).toBe("1");
    const missing = await cli.run(["kv", "get", "secret/never/was"]);
    expect(missing).toEqual({
      code: 2,
      stdout: "",
      stderr: "Error: No value found at secret/data/never/was\n",
    });
  });

  it("patches, rolls back and reads metadata", async () => {
    await cli.run(["kv", "put", "secret/roll", "a=1", "b=2"]);
    const patch = await cli.run(["kv", "patch", "secret/roll", "b=3"]);
    expect(patch.code).toBe(0);
    expect((await cli.run(["kv", "get", "-format=json", "secret/roll"])).stdout).toContain('"b": "3"');
    const rollback = await cli.run(["kv", "rollback", "-version=1", "secret/roll"]);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toMatch(/^version\s+3$/m);
    expect((await cli.run(["kv", "get", "-field=b", "secret/roll"])).stdout).toBe("2");
    const metadata = await cli.run(["kv", "metadata", "get", "secret/roll"]);
    expect(metadata.code).toBe(0);
    expect(metadata.stdout).toMatch(/^current_version\s+3$/m);
    expect(metadata.stdout).toMatch(/=+ Version 3 =+/);
    expect(metadata.stdout.indexOf("Version 3")).toBeLessThan(metadata.stdout.indexOf("Version 1"));
  });

  it("writes metadata settings and deletes every version", async () => {
    await cli.run(["kv", "put", "secret/meta", "a=1"]);
    const put = await cli.run([
      "kv",
      "metadata",
      "put",
      "-max-versions=4",
      "-custom-metadata=owner=ops",
      "secret/meta",
    ]);
    expect(put).toMatchObject({ code: 0, stdout: "Success! Data written to: secret/metadata/meta\n" });
    const json = JSON.parse((await cli.run(["kv", "metadata", "get", "-format=json", "secret/meta"])).stdout);
    expect(json.data.max_versions).toBe(4);
    expect(json.data.custom_metadata).toEqual({ owner: "ops" });
    expect((await cli.run(["kv", "metadata", "delete", "secret/meta"])).code).toBe(0);
    expect((await cli.run(["kv", "get", "secret/meta"])).code).toBe(2);
  });

  it("destroys versions for good", async () => {
    await cli.run(["kv", "put", "secret/gone", "a=1"]);
    expect((await cli.run(["kv", "destroy", "-versions=1", "secret/gone"])).code).toBe(0);
    const json = JSON.parse((await cli.run(["kv", "get", "-format=json", "secret/gone"])).stdout);
    expect(json.data.metadata.destroyed).toBe(true);
    expect((await cli.run(["kv", "undelete", "secret/gone"])).code).toBe(2);
  });

  it("takes values from stdin and files", async () => {
    const put = await cli.run(["kv", "put", "secret/stdin", "cert=-"], { stdin: "-----BEGIN-----\n" });
    expect(put.code).toBe(0);
    expect((await cli.run(["kv", "get", "-field=cert", "secret/stdin"])).stdout).toBe("-----BEGIN-----\n");
  });
});
