import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiError, ConnectionError, UnexpectedResponse, VaultClient } from "./vault-client.js";

/** A loopback HTTP server that records requests and answers from a route table: real wire, no mocks. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
type Answer = { status: number; body?: unknown };

let server: Server;
let address = "";
let seen: Seen[] = [];
let routes: Record<string, Answer> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const answer = routes[`${req.method} ${req.url}`] ?? { status: 404, body: { errors: [] } };
      res.statusCode = answer.status;
      if (answer.body === undefined) return void res.end();
      res.setHeader("content-type", "application/json");
      res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  routes = {};
});

describe("VaultClient.request", () => {
  it("sends vault's headers and a JSON body, and parses the JSON answer", async () => {
    routes["PUT /v1/secret/data/a"] = { status: 200, body: { data: { version: 1 } } };
    const client = new VaultClient({ address: `${address}/`, token: "t0k", namespace: "team-a" });
    expect(await client.request("PUT", "/secret/data/a", { body: { data: { k: "v" } } })).toEqual({
      data: { version: 1 },
    });
    const [req] = seen;
    expect(req?.headers["x-vault-token"]).toBe("t0k");
    expect(req?.headers["x-vault-request"]).toBe("true");
    expect(req?.headers["x-vault-namespace"]).toBe("team-a");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req?.body ?? "")).toEqual({ data: { k: "v" } });
  });

  it("omits the token and namespace headers when there are none", async () => {
    routes["GET /v1/sys/seal-status"] = { status: 200, body: { initialized: true, sealed: false } };
    await new VaultClient({ address }).sys.sealStatus();
    expect(seen[0]?.headers["x-vault-token"]).toBeUndefined();
    expect(seen[0]?.headers["x-vault-namespace"]).toBeUndefined();
  });

  it("returns undefined for 204", async () => {
    routes["DELETE /v1/sys/mounts/x"] = { status: 204 };
    expect(await new VaultClient({ address }).request("DELETE", "sys/mounts/x")).toBeUndefined();
  });

  it("throws ApiError with the status and the server's errors array", async () => {
    routes["GET /v1/secret/data/a"] = { status: 403, body: { errors: ["permission denied"] } };
    const error = await new VaultClient({ address }).request("GET", "secret/data/a").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, errors: ["permission denied"], message: "permission denied" });
  });

  it("encodes path segments and query values", async () => {
    routes["GET /v1/secret/data/a%20b?version=2"] = { status: 200, body: { data: { data: { x: 1 } } } };
    const client = new VaultClient({ address });
    expect(await client.read("secret/data/a b", { version: 2 })).toMatchObject({ data: { data: { x: 1 } } });
  });

  it("reports an unreachable server as ConnectionError and a non-JSON 200 as UnexpectedResponse", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await new VaultClient({ address: `http://127.0.0.1:${port}` })
      .request("GET", "sys/health")
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectionError);
    expect((refused as Error).message).toBe(`could not reach http://127.0.0.1:${port}: ECONNREFUSED`);
    routes["GET /v1/sys/odd"] = { status: 200, body: "<html>" };
    await expect(new VaultClient({ address }).request("GET", "sys/odd")).rejects.toBeInstanceOf(
      UnexpectedResponse,
    );
  });
});

describe("generic read/list", () => {
  it("lists with GET ?list=true on a folder path", async () => {
    routes["GET /v1/secret/metadata/app/?list=true"] = {
      status: 200,
      body: { data: { keys: ["db", "cache/"] } },
    };
    const list = await new VaultClient({ address }).list("secret/metadata/app");
    expect(list?.data?.["keys"]).toEqual(["db", "cache/"]);
  });

  it("treats a bare 404 as no value, but keeps a 404 that carries data (deleted KV v2 version)", async () => {
    const client = new VaultClient({ address });
    expect(await client.read("secret/data/none")).toBeUndefined();
    routes["GET /v1/secret/data/gone"] = {
      status: 404,
      body: { data: { data: null, metadata: { version: 1 } } },
    };
    expect(await client.read("secret/data/gone")).toMatchObject({
      data: { data: null, metadata: { version: 1 } },
    });
  });
});

describe("sys helpers", () => {
  it("reads the mount table from data, ignoring the duplicated top level", async () => {
    const table = { "secret/": { type: "kv", options: { version: "2" } } };
    routes["GET /v1/sys/mounts"] = { status: 200, body: { ...table, request_id: "r", data: table } };
    expect(await new VaultClient({ address }).sys.listMounts()).toEqual(table);
  });

  it("returns health bodies for sealed (503) servers instead of throwing", async () => {
    routes["GET /v1/sys/health"] = { status: 503, body: { initialized: true, sealed: true, standby: true } };
    expect(await new VaultClient({ address }).sys.health()).toMatchObject({
      status: 503,
      health: { sealed: true },
    });
  });

  it("rejects a malformed seal status instead of guessing", async () => {
    routes["GET /v1/sys/seal-status"] = { status: 200, body: { sealed: "no" } };
    await expect(new VaultClient({ address }).sys.sealStatus()).rejects.toThrow(/sys\/seal-status/);
  });
});

describe("login and token helpers", () => {
  it("logs in with userpass and approle at custom mounts", async () => {
    const auth = { auth: { client_token: "new", accessor: "a", policies: ["dev"] } };
    routes["POST /v1/auth/people/login/alice"] = { status: 200, body: auth };
    routes["POST /v1/auth/machines/login"] = { status: 200, body: auth };
    const client = new VaultClient({ address });
    expect((await client.login.userpass("alice", "pw", "people/")).auth.client_token).toBe("new");
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({ password: "pw" });
    await client.login.approle("rid", "sid", "machines");
    expect(JSON.parse(seen[1]?.body ?? "")).toEqual({ role_id: "rid", secret_id: "sid" });
  });

  it("creates orphans through create-orphan, as the vault CLI does", async () => {
    routes["POST /v1/auth/token/create-orphan"] = { status: 200, body: { auth: { client_token: "o" } } };
    await new VaultClient({ address, token: "root" }).token.create({ policies: ["a"] }, { orphan: true });
    expect(seen[0]?.url).toBe("/v1/auth/token/create-orphan");
  });
});
