// KV v2 and v1 through real HTTP, including our operators' runbook flow at secrets/static.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("KV over HTTP", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it("writes versions, reads them back, lists, soft-deletes with a 404 body", async () => {
    const t = s.rootToken;
    const w1 = await api(s.url, "POST", "secret/data/app/db", {
      token: t,
      body: { data: { username: "u", password: "p1" } },
    });
    expect(w1.status).toBe(200);
    expect(w1.body.data).toMatchObject({ version: 1, destroyed: false, deletion_time: "" });
    await api(s.url, "POST", "secret/data/app/db", {
      token: t,
      body: { data: { username: "u", password: "p2" } },
    });
    const latest = await api(s.url, "GET", "secret/data/app/db", { token: t });
    expect(latest.body.data.data).toEqual({ username: "u", password: "p2" });
    expect(latest.body.data.metadata.version).toBe(2);
    const v1 = await api(s.url, "GET", "secret/data/app/db?version=1", { token: t });
    expect(v1.body.data.data.password).toBe("p1");
    const list = await api(s.url, "GET", "secret/metadata/app?list=true", { token: t });
    expect(list.body.data.keys).toEqual(["db"]);
    expect((await api(s.url, "DELETE", "secret/data/app/db", { token: t })).status).toBe(204);
    const gone = await api(s.url, "GET", "secret/data/app/db", { token: t });
    expect(gone.status).toBe(404);
    expect(gone.body.data.data).toBeNull();
    expect(gone.body.data.metadata.deletion_time).not.toBe("");
  });

  // The pipeline remembers which mount serves a path; a mount-table change must be seen at once.
  it("a path served a moment ago follows the mount table: disabled, then mounted as another engine", async () => {
    const t = s.rootToken;
    await api(s.url, "POST", "sys/mounts/swap", { token: t, body: { type: "kv-v2" } });
    await api(s.url, "POST", "swap/data/x", { token: t, body: { data: { v: "2" } } });
    expect((await api(s.url, "GET", "swap/data/x", { token: t })).body.data.data).toEqual({ v: "2" });
    expect((await api(s.url, "DELETE", "sys/mounts/swap", { token: t })).status).toBe(204);
    expect((await api(s.url, "GET", "swap/data/x", { token: t })).status).toBe(404);
    await api(s.url, "POST", "sys/mounts/swap", {
      token: t,
      body: { type: "kv", options: { version: "1" } },
    });
    await api(s.url, "POST", "swap/data/x", { token: t, body: { v: "1" } });
    const v1 = await api(s.url, "GET", "swap/data/x", { token: t });
    expect(v1.status).toBe(200);
    expect(v1.body.data).toEqual({ v: "1" }); // KV v1 answers the data itself, no data/metadata wrapper
  });

  it("check-and-set mismatch is refused and loses nothing", async () => {
    const t = s.rootToken;
    await api(s.url, "POST", "secret/data/cas", {
      token: t,
      body: { options: { cas: 0 }, data: { a: "1" } },
    });
    const bad = await api(s.url, "POST", "secret/data/cas", {
      token: t,
      body: { options: { cas: 0 }, data: { a: "2" } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toContain("check-and-set parameter did not match the current version");
    expect((await api(s.url, "GET", "secret/data/cas", { token: t })).body.data.data).toEqual({ a: "1" });
  });

  // Paths are storage keys and stay visible, as in Vault; values never are.
  it("the SQLite file never holds a stored secret value in plaintext", async () => {
    const marker = "PLAINTEXT-MARKER-" + "q7v9z".repeat(4);
    await api(s.url, "POST", "secret/data/marker", { token: s.rootToken, body: { data: { value: marker } } });
    const files = [s.dbPath, `${s.dbPath}-wal`].flatMap((f) => {
      try {
        return [readFileSync(f)];
      } catch {
        return [];
      }
    });
    expect(files.length).toBeGreaterThan(0);
    for (const bytes of files) {
      expect(bytes.includes(Buffer.from(marker))).toBe(false);
    }
    expect((await api(s.url, "GET", "secret/data/marker", { token: s.rootToken })).body.data.data.value).toBe(
      marker,
    );
  });

  it("runbook: a KV mounted at secrets/static serves POST/GET/DELETE with {data: {...}}", async () => {
    const t = s.rootToken;
    expect(
      (await api(s.url, "POST", "sys/mounts/secrets/static", { token: t, body: { type: "kv" } })).status,
    ).toBe(204);
    const w = await api(s.url, "POST", "secrets/static/test/hello", {
      token: t,
      body: { data: { message: "Hello Production!" } },
    });
    expect(w.status).toBe(204);
    const r = await api(s.url, "GET", "secrets/static/test/hello", { token: t });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ data: { message: "Hello Production!" } });
    expect((await api(s.url, "DELETE", "secrets/static/test/hello", { token: t })).status).toBe(204);
    expect((await api(s.url, "GET", "secrets/static/test/hello", { token: t })).status).toBe(404);
  });

  it("mounts list shows the defaults, at top level and under data", async () => {
    const r = await api(s.url, "GET", "sys/mounts", { token: s.rootToken });
    expect(r.body["secret/"]).toMatchObject({ type: "kv", options: { version: "2" } });
    expect(r.body.data["cubbyhole/"]).toMatchObject({ type: "cubbyhole" });
    // Re-enabling the same engine at the same path is a no-op (runbook: `secrets enable -path=secret kv-v2`).
    const same = await api(s.url, "POST", "sys/mounts/secret", {
      token: s.rootToken,
      body: { type: "kv-v2" },
    });
    expect(same.status).toBe(200);
    expect(same.body.warnings[0]).toContain("already enabled");
    const taken = await api(s.url, "POST", "sys/mounts/secret", { token: s.rootToken, body: { type: "kv" } });
    expect(taken.status).toBe(400);
    expect(taken.body.errors[0]).toContain("path is already in use at secret/");
    const nested = await api(s.url, "POST", "sys/mounts/secret/inner", {
      token: s.rootToken,
      body: { type: "kv" },
    });
    expect(nested.status).toBe(400);
    const ui = await api(s.url, "GET", "sys/internal/ui/mounts/secret/app/db", { token: s.rootToken });
    expect(ui.body.data).toMatchObject({ path: "secret/", type: "kv", options: { version: "2" } });
  });
});
