// Bad input gets Vault's {"errors": [...]} envelope with the right status and never harms the server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("error envelope and hostile input", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({
      configure: (c) => ({ ...c, listener: { ...c.listener, maxRequestSize: 64 * 1024 } }),
    });
  });
  afterAll(() => s.close());

  it("malformed JSON is a 400 with an errors array", async () => {
    const r = await api(s.url, "PUT", "secret/data/x", { token: s.rootToken, body: '{"data": {"a": ' });
    expect(r.status).toBe(400);
    expect(Array.isArray(r.body.errors)).toBe(true);
    expect(r.body.errors[0]).toMatch(/JSON/);
  });

  it("a body over the configured limit is 413, and the server keeps serving", async () => {
    const big = JSON.stringify({ data: { blob: "x".repeat(128 * 1024) } });
    const r = await api(s.url, "PUT", "secret/data/big", { token: s.rootToken, body: big });
    expect(r.status).toBe(413);
    expect(r.body.errors).toEqual(["request body too large"]);
    expect((await api(s.url, "GET", "sys/health")).status).toBe(200);
  });

  it("a JSON body that is not an object is a 400", async () => {
    const r = await api(s.url, "PUT", "secret/data/x", { token: s.rootToken, body: "[1,2]" });
    expect(r.status).toBe(400);
  });

  it("unknown routes and mounts are 404 with the envelope", async () => {
    expect((await api(s.url, "GET", "nope/x", { token: s.rootToken })).status).toBe(404);
    const r = await fetch(`${s.url}/not-v1`);
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ errors: [] });
  });

  it("no token or a bad token is 403 permission denied", async () => {
    const r = await api(s.url, "GET", "secret/data/x");
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ errors: ["permission denied"] });
    expect((await api(s.url, "GET", "secret/data/x", { token: "hvs.forged" })).status).toBe(403);
    const bearer = await api(s.url, "GET", "auth/token/lookup-self", {
      headers: { authorization: `Bearer ${s.rootToken}` },
    });
    expect(bearer.status).toBe(200);
  });

  it("a request for response wrapping is refused, never answered in clear", async () => {
    await api(s.url, "PUT", "secret/data/wrapped", { token: s.rootToken, body: { data: { v: "clear" } } });
    const r = await api(s.url, "GET", "secret/data/wrapped", {
      token: s.rootToken,
      headers: { "x-vault-wrap-ttl": "5m" },
    });
    expect(r.status).toBe(400);
    expect(r.text).not.toContain("clear");
  });

  it("a request for another namespace is refused, never served from the root namespace", async () => {
    await api(s.url, "PUT", "secret/data/tenant", { token: s.rootToken, body: { data: { v: "root-only" } } });
    for (const ns of ["team-a", "team-a/", "/root/child"]) {
      const r = await api(s.url, "GET", "secret/data/tenant", {
        token: s.rootToken,
        headers: { "x-vault-namespace": ns },
      });
      expect(r.status).toBe(400);
      expect(r.body.errors[0]).toMatch(/namespaces are not supported/);
      expect(r.text).not.toContain("root-only");
    }
    for (const ns of ["", "root", "/", "root/"]) {
      const r = await api(s.url, "GET", "secret/data/tenant", {
        token: s.rootToken,
        headers: { "x-vault-namespace": ns },
      });
      expect(r.status).toBe(200);
      expect(r.body.data.data.v).toBe("root-only");
    }
  });

  it("unsupported methods answer 405", async () => {
    const r = await fetch(`${s.url}/v1/secret/data/x`, {
      method: "OPTIONS",
      headers: { "x-vault-token": s.rootToken },
    });
    expect([404, 405]).toContain(r.status);
  });

  it("odd paths and unicode round-trip without corrupting other data", async () => {
    const paths = ["ünï/cödé ✓", "spaces in/name", "a%2Fb", "emoji/🔐"];
    for (const p of paths) {
      const enc = p.split("/").map(encodeURIComponent).join("/");
      const w = await api(s.url, "PUT", `secret/data/${enc}`, {
        token: s.rootToken,
        body: { data: { v: p } },
      });
      expect(w.status, p).toBe(200);
    }
    for (const p of paths) {
      const enc = p.split("/").map(encodeURIComponent).join("/");
      const r = await api(s.url, "GET", `secret/data/${enc}`, { token: s.rootToken });
      expect(r.body.data.data.v, p).toBe(p);
    }
    const traversal = await api(s.url, "GET", "secret/data/../../sys/mounts", { token: s.rootToken });
    expect(traversal.status).not.toBe(500);
    expect((await api(s.url, "GET", "sys/health")).status).toBe(200);
  });
});
