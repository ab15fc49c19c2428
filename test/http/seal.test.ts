// sys/init, unseal, seal-status, health and seal through real HTTP on a real SQLite file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("seal lifecycle over HTTP", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ uninitialized: true });
  });
  afterAll(() => s.close());

  it("reports not initialized, with Vault's health code 501 and overrides", async () => {
    expect((await api(s.url, "GET", "sys/init")).body).toEqual({ initialized: false });
    const h = await api(s.url, "GET", "sys/health");
    expect(h.status).toBe(501);
    expect(h.body).toMatchObject({ initialized: false, sealed: true, standby: false });
    expect(typeof h.body.hostname).toBe("string");
    expect((await api(s.url, "GET", "sys/health?uninitcode=200")).status).toBe(200);
    expect((await api(s.url, "HEAD", "sys/health")).status).toBe(501);
  });

  it("refuses bad init parameters and secret requests while sealed", async () => {
    expect(
      (await api(s.url, "PUT", "sys/init", { body: { secret_shares: 3, secret_threshold: 5 } })).status,
    ).toBe(400);
    expect(
      (await api(s.url, "PUT", "sys/init", { body: { secret_shares: 3, secret_threshold: 1 } })).status,
    ).toBe(400);
    const r = await api(s.url, "GET", "secret/data/x", { token: "hvs.nothing" });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ errors: ["Vault is sealed"] });
  });

  let keys: string[] = [];
  let keysB64: string[] = [];
  let root = "";
  it("initializes 3-of-5 and stays sealed", async () => {
    const r = await api(s.url, "PUT", "sys/init", { body: { secret_shares: 5, secret_threshold: 3 } });
    expect(r.status).toBe(200);
    expect(r.body.keys).toHaveLength(5);
    expect(r.body.keys_base64).toHaveLength(5);
    expect(r.body.root_token).toMatch(/^hvs\./);
    keys = r.body.keys;
    keysB64 = r.body.keys_base64;
    root = r.body.root_token;
    const again = await api(s.url, "PUT", "sys/init", { body: { secret_shares: 1, secret_threshold: 1 } });
    expect(again.status).toBe(400);
    expect(again.body.errors[0]).toContain("already initialized");
    const st = await api(s.url, "GET", "sys/seal-status");
    expect(st.body).toMatchObject({
      type: "shamir",
      initialized: true,
      sealed: true,
      t: 3,
      n: 5,
      progress: 0,
    });
    expect((await api(s.url, "GET", "sys/health")).status).toBe(503);
  });

  it("counts progress, resets, and unseals with any three keys in hex or base64", async () => {
    let st = await api(s.url, "PUT", "sys/unseal", { body: { key: keys[4] } });
    expect(st.body).toMatchObject({ sealed: true, progress: 1 });
    st = await api(s.url, "PUT", "sys/unseal", { body: { reset: true } });
    expect(st.body).toMatchObject({ sealed: true, progress: 0 });
    expect((await api(s.url, "PUT", "sys/unseal", { body: { key: "not a key!" } })).status).toBe(400);
    await api(s.url, "PUT", "sys/unseal", { body: { key: keys[1] } });
    await api(s.url, "PUT", "sys/unseal", { body: { key: keysB64[3] } });
    st = await api(s.url, "PUT", "sys/unseal", { body: { key: keys[0] } });
    expect(st.body).toMatchObject({ sealed: false, progress: 0, t: 3, n: 5 });
    const h = await api(s.url, "GET", "sys/health");
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ initialized: true, sealed: false });
  });

  it("seal needs a token with sudo, then everything answers 503", async () => {
    expect((await api(s.url, "PUT", "sys/seal")).status).toBe(403);
    expect((await api(s.url, "PUT", "sys/seal", { token: root })).status).toBe(204);
    expect((await api(s.url, "GET", "sys/mounts", { token: root })).status).toBe(503);
    expect((await api(s.url, "GET", "sys/seal-status")).body.sealed).toBe(true);
  });

  it("a wrong key set never unseals and never crashes", async () => {
    const forged = Buffer.alloc(33, 7).toString("hex");
    await api(s.url, "PUT", "sys/unseal", { body: { key: keys[0] } });
    await api(s.url, "PUT", "sys/unseal", { body: { key: keys[1] } });
    const bad = await api(s.url, "PUT", "sys/unseal", { body: { key: forged } });
    expect(bad.status).toBe(400);
    const st = await api(s.url, "GET", "sys/seal-status");
    expect(st.body).toMatchObject({ sealed: true, progress: 0 });
    for (const k of keys.slice(2)) await api(s.url, "PUT", "sys/unseal", { body: { key: k } });
    expect((await api(s.url, "GET", "sys/seal-status")).body.sealed).toBe(false);
    expect((await api(s.url, "GET", "sys/mounts", { token: root })).status).toBe(200);
  });
});
