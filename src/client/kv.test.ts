import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinMount, kvApiPath, type KvLocation } from "./kv.js";
import { VaultClient } from "./vault-client.js";

describe("joinMount", () => {
  it("joins -mount with a relative path", () => {
    expect(joinMount("secret", "app/db")).toBe("secret/app/db");
    expect(joinMount("/team/kv/", "/app")).toBe("team/kv/app");
    expect(joinMount(undefined, "/secret/app")).toBe("secret/app");
  });
});

describe("kvApiPath", () => {
  const v2 = (path: string, mountPath = "secret/"): KvLocation => ({ version: 2, mountPath, path });

  it("inserts the API prefix after the mount (vault's addPrefixToKVPath)", () => {
    expect(kvApiPath(v2("secret/app/db"), "data")).toBe("secret/data/app/db");
    expect(kvApiPath(v2("secret/app/db"), "metadata")).toBe("secret/metadata/app/db");
    expect(kvApiPath(v2("team/kv/x", "team/kv/"), "destroy")).toBe("team/kv/destroy/x");
  });

  it("maps the mount itself, with or without its slash, to the bare prefix", () => {
    expect(kvApiPath(v2("secret"), "metadata")).toBe("secret/metadata");
    expect(kvApiPath(v2("secret/"), "metadata")).toBe("secret/metadata");
  });

  it("leaves KV v1 paths alone", () => {
    expect(kvApiPath({ version: 1, mountPath: "kv/", path: "kv/app" }, "data")).toBe("kv/app");
  });
});

describe("KvApi.locate", () => {
  let server: Server;
  let address = "";
  const asked: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      asked.push(req.url ?? "");
      res.setHeader("content-type", "application/json");
      if (req.url === "/v1/sys/internal/ui/mounts/secret/app/db") {
        res.end(JSON.stringify({ data: { path: "secret/", type: "kv", options: { version: "2" } } }));
      } else if (req.url === "/v1/sys/internal/ui/mounts/old/thing") {
        res.end(JSON.stringify({ data: { path: "old/", type: "kv", options: null } }));
      } else if (req.url === "/v1/sys/internal/ui/mounts/denied/x") {
        res.statusCode = 403;
        res.end(JSON.stringify({ errors: ["permission denied"] }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ errors: [] }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("asks sys/internal/ui/mounts and reads the version and mount path", async () => {
    const kv = new VaultClient({ address }).kv;
    expect(await kv.locate("app/db", "secret")).toEqual({
      version: 2,
      mountPath: "secret/",
      path: "secret/app/db",
    });
    expect(asked).toContain("/v1/sys/internal/ui/mounts/secret/app/db");
    expect(await kv.locate("old/thing")).toEqual({ version: 1, mountPath: "old/", path: "old/thing" });
  });

  it("assumes KV v1 on 404, like the vault CLI, and fails on other errors", async () => {
    const kv = new VaultClient({ address }).kv;
    expect(await kv.locate("unknown/x")).toEqual({ version: 1, mountPath: "", path: "unknown/x" });
    await expect(kv.locate("denied/x")).rejects.toMatchObject({ status: 403 });
  });
});
