import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.js";
import { makeCli, type Cli } from "./harness.js";

describe("secrethub secrets, auth and generic verbs against a real server", () => {
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

  it("enables kv-v2 at a custom path and uses it through kv", async () => {
    const enable = await cli.run([
      "secrets",
      "enable",
      "-path=team-kv",
      "-description=team secrets",
      "kv-v2",
    ]);
    expect(enable).toEqual({
      code: 0,
      stdout: "Success! Enabled the kv-v2 secrets engine at: team-kv/\n",
      stderr: "",
    });
    const list = await cli.run(["secrets", "list"]);
    expect(list.stdout).toMatch(/^Path\s+Type\s+Accessor\s+Description$/m);
    expect(list.stdout).toMatch(/^team-kv\/\s+kv\s+\S+\s+team secrets$/m);
    expect(list.stdout).toMatch(/^secret\/\s+kv/m);
    const put = await cli.run(["kv", "put", "team-kv/svc", "k=v"]);
    expect(put.stdout).toContain("team-kv/data/svc");
    expect((await cli.run(["kv", "get", "-field=k", "team-kv/svc"])).stdout).toBe("v");
    const json = JSON.parse((await cli.run(["secrets", "list", "-format=json"])).stdout);
    expect(json["team-kv/"].options.version).toBe("2");
  });

  it("enables kv with -version=2 and plain kv (v1), which kv handles without data/ paths", async () => {
    expect((await cli.run(["secrets", "enable", "-path=v2b", "-version=2", "kv"])).code).toBe(0);
    expect((await cli.run(["kv", "put", "v2b/a", "x=1"])).stdout).toContain("v2b/data/a");
    expect((await cli.run(["secrets", "enable", "-path=v1kv", "kv"])).code).toBe(0);
    const put = await cli.run(["kv", "put", "v1kv/app", "x=1"]);
    expect(put).toEqual({ code: 0, stdout: "Success! Data written to: v1kv/app\n", stderr: "" });
    expect((await cli.run(["kv", "get", "-field=x", "v1kv/app"])).stdout).toBe("1");
    expect((await cli.run(["read", "-field=x", "v1kv/app"])).stdout).toBe("1");
    expect((await cli.run(["kv", "list", "v1kv"])).stdout).toBe("Keys\n----\napp\n");
  });

  it("refuses a taken path and disables an engine", async () => {
    const taken = await cli.run(["secrets", "enable", "-path=team-kv", "kv"]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^Error: .*in use.* \(HTTP 400\)\n$/);
    expect((await cli.run(["secrets", "disable", "v2b"])).code).toBe(0);
    expect((await cli.run(["secrets", "list"])).stdout).not.toContain("v2b/");
  });

  it("writes and reads generic paths, with a JSON body on stdin and values from files", async () => {
    const write = await cli.run(["write", "secret/data/raw", "-"], { stdin: '{"data":{"a":"b"}}' });
    expect(write.code).toBe(0);
    expect(write.stdout).toMatch(/^version\s+1$/m);
    const read = await cli.run(["read", "-format=json", "secret/data/raw"]);
    expect(JSON.parse(read.stdout).data.data).toEqual({ a: "b" });
    const dir = mkdtempSync(join(tmpdir(), "secrethub-cli-policy-"));
    const file = join(dir, "p.hcl");
    writeFileSync(file, 'path "secret/*" { capabilities = ["list"] }\n');
    const policy = await cli.run(["write", "sys/policies/acl/lister", `policy=@${file}`]);
    expect(policy).toEqual({
      code: 0,
      stdout: "Success! Data written to: sys/policies/acl/lister\n",
      stderr: "",
    });
    expect((await cli.run(["policy", "read", "lister"])).stdout).toContain('capabilities = ["list"]');
  });

  it("lists and deletes generic paths", async () => {
    const list = await cli.run(["list", "secret/metadata"]);
    expect(list).toEqual({ code: 0, stdout: "Keys\n----\nraw\n", stderr: "" });
    const listJson = JSON.parse((await cli.run(["list", "-format=json", "secret/metadata/"])).stdout);
    expect(listJson.data.keys).toEqual(["raw"]);
    expect((await cli.run(["delete", "secret/metadata/raw"])).stdout).toBe(
      "Success! Data deleted (if it existed) at: secret/metadata/raw\n",
    );
    expect(await cli.run(["list", "secret/metadata"])).toMatchObject({
      code: 2,
      stderr: "Error: No value found at secret/metadata/\n",
    });
    expect((await cli.run(["read", "secret/data/raw"])).code).toBe(2);
  });

  it("lists auth methods", async () => {
    const list = await cli.run(["auth", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^token\/\s+token/m);
  });

  it("reports usage errors with exit 2", async () => {
    expect((await cli.run(["kv", "put", "secret/x"])).code).toBe(2);
    const badFormat = await cli.run(["kv", "get", "-format=yaml", "secret/x"]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/^Error: invalid value for -format/);
    expect((await cli.run(["kv", "get", "-nope", "secret/x"])).code).toBe(2);
    expect((await cli.run(["frobnicate"])).code).toBe(2);
    expect((await cli.run(["write", "secret/data/x", "novalue"])).stderr).toMatch(/format must be key=value/);
    expect((await cli.run(["--help"])).code).toBe(0);
  });

  it("reports an unreachable server in one line with exit 1", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await cli.run(["status", `-address=http://127.0.0.1:${port}`]);
    expect(down).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error: could not reach http://127.0.0.1:${port}: ECONNREFUSED\n`,
    });
  });
});
