// Probes end to end (issue #5), through a real server in each seal state:
//   /health  200 {"status":"healthy","uptime":s,"version"} whenever the process serves HTTP;
//   /ready   200 only when initialized, unsealed and storage answers, else 503 with the reason;
//   /startup 200 once start-up finished.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

async function probe(url: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}${path}`);
  return { status: res.status, body: await res.json() };
}

async function expectProbes(url: string, ready: { status: number; body: unknown }): Promise<void> {
  const health = await probe(url, "/health");
  expect(health.status).toBe(200);
  expect(health.body).toEqual({ status: "healthy", uptime: expect.any(Number), version: "0.1.0" });
  expect(await probe(url, "/ready")).toEqual(ready);
  expect(await probe(url, "/startup")).toEqual({ status: 200, body: { status: "started" } });
}

describe("probes across seal states", () => {
  let s: TestServer;
  let keys: string[] = [];
  let root = "";
  beforeAll(async () => {
    s = await startServer({ uninitialized: true });
  });
  afterAll(() => s.close());

  it("uninitialized: alive and started, not ready", async () => {
    await expectProbes(s.url, { status: 503, body: { status: "not_ready", reason: "uninitialized" } });
    expect((await api(s.url, "GET", "sys/health")).status).toBe(501);
  });

  it("initialized but sealed: alive, not ready", async () => {
    const init = await api(s.url, "PUT", "sys/init", { body: { secret_shares: 1, secret_threshold: 1 } });
    keys = init.body.keys;
    root = init.body.root_token;
    await expectProbes(s.url, { status: 503, body: { status: "not_ready", reason: "sealed" } });
  });

  it("unsealed: ready", async () => {
    expect((await api(s.url, "PUT", "sys/unseal", { body: { key: keys[0] } })).status).toBe(200);
    await expectProbes(s.url, { status: 200, body: { status: "ready" } });
    const head = await fetch(`${s.url}/ready`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("sealed again by an operator: not ready, still alive", async () => {
    expect((await api(s.url, "PUT", "sys/seal", { token: root })).status).toBe(204);
    await expectProbes(s.url, { status: 503, body: { status: "not_ready", reason: "sealed" } });
    expect((await api(s.url, "PUT", "sys/unseal", { body: { key: keys[0] } })).status).toBe(200);
    expect((await probe(s.url, "/ready")).status).toBe(200);
  });

  it("storage gone: not ready with the reason, still alive", async () => {
    await s.running.storage.close();
    await expectProbes(s.url, { status: 503, body: { status: "not_ready", reason: "storage_unavailable" } });
  });
});

describe("probe uptime", () => {
  it("counts seconds since the server started", async () => {
    const s = await startServer();
    try {
      const first = await probe(s.url, "/health");
      expect(first.body).toMatchObject({ uptime: expect.any(Number) });
      await new Promise((r) => setTimeout(r, 1100));
      const later = await probe(s.url, "/health");
      const up = (b: unknown): number =>
        typeof b === "object" && b !== null && "uptime" in b && typeof b.uptime === "number" ? b.uptime : -1;
      expect(up(later.body)).toBeGreaterThanOrEqual(up(first.body) + 1);
    } finally {
      await s.close();
    }
  });
});
