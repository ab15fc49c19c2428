// Metrics end to end (issue #5): a real server on SQLite, real KV traffic, then /metrics and
// /v1/sys/metrics scraped over HTTP. Counters move by exactly the traffic sent, and no secret path,
// value or token ever shows up in the exposition.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";
import { parseSamples, valueOf } from "./exposition.js";

const SECRET_PATH = "team-falcon/payments-db-7f3a";
const SECRET_VALUE = "hunter2-VALUE-9c1e5b";

async function scrape(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${url}/metrics`);
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

describe("metrics over HTTP", () => {
  let s: TestServer;
  let limited = "";
  beforeAll(async () => {
    s = await startServer({ env: { PROMETHEUS_ENABLED: "true" } });
    const root = s.rootToken;
    await api(s.url, "PUT", "sys/policies/acl/metrics-reader", {
      token: root,
      body: { policy: 'path "sys/metrics" { capabilities = ["read"] }' },
    });
    const t = await api(s.url, "POST", "auth/token/create", {
      token: root,
      body: { policies: ["metrics-reader"], ttl: "1h" },
    });
    limited = t.body.auth.client_token;
  });
  afterAll(() => s.close());

  it("serves /metrics without a token, in the Prometheus text format", async () => {
    const r = await scrape(s.url);
    expect(r.status).toBe(200);
    expect(r.type).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(r.text).toMatch(/^secrethub_sealed 0$/m);
    expect(r.text).toMatch(/^secrethub_initialized 1$/m);
    expect(r.text).toContain("# TYPE process_cpu_user_seconds_total counter");
    expect(r.text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
  });

  it("counts KV reads by operation, mount and result, and keeps secret paths and values out", async () => {
    const root = s.rootToken;
    const write = await api(s.url, "PUT", `secret/data/${SECRET_PATH}`, {
      token: root,
      body: { data: { password: SECRET_VALUE } },
    });
    expect(write.status).toBe(200);
    const before = (await scrape(s.url)).text;
    for (let i = 0; i < 3; i++) {
      const r = await api(s.url, "GET", `secret/data/${SECRET_PATH}`, { token: root });
      expect(r.body.data.data.password).toBe(SECRET_VALUE);
    }
    expect((await api(s.url, "GET", "secret/data/nothing-here", { token: root })).status).toBe(404);
    expect((await api(s.url, "GET", `secret/data/${SECRET_PATH}`, { token: limited })).status).toBe(403);
    const after = (await scrape(s.url)).text;

    const delta = (name: string, labels: Record<string, string>): number =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    const read = { operation: "read", mount: "secret/" };
    expect(delta("secret_access_total", { ...read, result: "success" })).toBe(3);
    expect(delta("secret_access_total", { ...read, result: "not_found" })).toBe(1);
    expect(delta("secret_access_total", { ...read, result: "denied" })).toBe(1);
    expect(delta("secret_access_latency_seconds_count", read)).toBe(5);
    const get = { method: "GET", mount: "secret/" };
    expect(delta("secrethub_request_duration_ms_count", { ...get, status: "200" })).toBe(3);
    expect(delta("secrethub_request_duration_ms_count", { ...get, status: "404" })).toBe(1);
    expect(delta("secrethub_request_duration_ms_count", { ...get, status: "403" })).toBe(1);
    // Every request through the pipeline consults the ACL cache: the root token's set is warm.
    expect(delta("secrethub_cache_hits_total", { cache: "acl" })).toBeGreaterThanOrEqual(4);
    // The barrier's read cache: each hot read finds the token entry, the KV metadata and the version
    // decrypted in memory (3 reads x 3 keys at least); the missing path is a miss.
    expect(delta("secrethub_cache_hits_total", { cache: "barrier" })).toBeGreaterThanOrEqual(9);
    expect(delta("secrethub_cache_misses_total", { cache: "barrier" })).toBeGreaterThanOrEqual(1);
    // The write went through the same counters, as a create.
    expect(
      valueOf(after, "secret_access_total", { operation: "create", mount: "secret/", result: "success" }),
    ).toBe(1);

    for (const text of [
      after,
      (await api(s.url, "GET", "sys/metrics?format=prometheus", { token: root })).text,
    ]) {
      for (const leak of [SECRET_PATH, "team-falcon", "payments-db", SECRET_VALUE, root, limited]) {
        expect(text).not.toContain(leak);
      }
    }
    // Labels hold only bounded values: mounts, operations, methods, status codes, results.
    const mounts = new Set(parseSamples(after).flatMap((x) => (x.labels.mount ? [x.labels.mount] : [])));
    expect([...mounts].sort()).toEqual(["auth/token/", "secret/", "sys/"]);
  });

  it("counts tokens, barrier key rotations and refused logins", async () => {
    const root = s.rootToken;
    const tokens = valueOf((await scrape(s.url)).text, "secrethub_tokens_active");
    expect(tokens).toBeGreaterThanOrEqual(2);
    await api(s.url, "POST", "auth/token/create", { token: root, body: { ttl: "1h" } });
    expect(valueOf((await scrape(s.url)).text, "secrethub_tokens_active")).toBe(tokens + 1);

    expect((await api(s.url, "PUT", "sys/rotate", { token: root })).status).toBe(204);
    const rotated = (await scrape(s.url)).text;
    expect(valueOf(rotated, "secret_rotation_total", { kind: "barrier_key", result: "success" })).toBe(1);
    expect(valueOf(rotated, "secret_rotation_total", { result: "failure" })).toBe(0);

    await api(s.url, "POST", "sys/auth/userpass", { token: root, body: { type: "userpass" } });
    await api(s.url, "POST", "auth/userpass/users/alice", { token: root, body: { password: "right-one" } });
    const bad = await api(s.url, "POST", "auth/userpass/login/alice", { body: { password: "wrong-one" } });
    expect(bad.status).toBe(400);
    expect(
      (await api(s.url, "POST", "auth/userpass/login/alice", { body: { password: "right-one" } })).status,
    ).toBe(200);
    const text = (await scrape(s.url)).text;
    expect(valueOf(text, "secrethub_login_failures_total", { mount: "auth/userpass/" })).toBe(1);
    expect(text).not.toContain("right-one");
    expect(text).not.toContain("wrong-one");
    expect(text).not.toContain("alice");
  });

  it("guards /v1/sys/metrics with the ACL and answers in both of Vault's formats", async () => {
    expect((await api(s.url, "GET", "sys/metrics?format=prometheus")).status).toBe(403);
    const other = await api(s.url, "POST", "auth/token/create", {
      token: s.rootToken,
      body: { policies: ["default"], ttl: "1h" },
    });
    const noRead = other.body.auth.client_token;
    expect((await api(s.url, "GET", "sys/metrics?format=prometheus", { token: noRead })).status).toBe(403);

    const prom = await fetch(`${s.url}/v1/sys/metrics?format=prometheus`, {
      headers: { "x-vault-token": limited },
    });
    expect(prom.status).toBe(200);
    expect(prom.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await prom.text();
    expect(text).toContain("# TYPE secret_access_total counter");
    expect(text).toMatch(/^secret_access_total\{operation="read",mount="secret\/",result="success"\} 3$/m);

    const json = await api(s.url, "GET", "sys/metrics", { token: limited });
    expect(json.status).toBe(200);
    expect(Object.keys(json.body).sort()).toEqual(["Counters", "Gauges", "Points", "Samples", "Timestamp"]);
    expect(json.body.Gauges).toContainEqual({ Name: "secrethub_sealed", Value: 0, Labels: {} });

    const bad = await api(s.url, "GET", "sys/metrics?format=xml", { token: limited });
    expect(bad.status).toBe(400);
  });
});

describe("metrics configuration", () => {
  it("does not serve /metrics unless PROMETHEUS_ENABLED=true", async () => {
    const s = await startServer();
    try {
      expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
      expect((await api(s.url, "GET", "sys/metrics?format=prometheus", { token: s.rootToken })).status).toBe(
        200,
      );
    } finally {
      await s.close();
    }
  });

  it("serves sys/metrics without a token, even sealed, with unauthenticated_metrics_access", async () => {
    const s = await startServer({
      configure: (c) => ({ ...c, telemetry: { ...c.telemetry, unauthenticatedMetricsAccess: true } }),
    });
    try {
      const open = await api(s.url, "GET", "sys/metrics?format=prometheus");
      expect(open.status).toBe(200);
      expect(open.text).toMatch(/^secrethub_sealed 0$/m);
      const tokens = valueOf(open.text, "secrethub_tokens_active");
      expect(tokens).toBeGreaterThanOrEqual(1);
      expect((await api(s.url, "PUT", "sys/seal", { token: s.rootToken })).status).toBe(204);
      const sealed = await api(s.url, "GET", "sys/metrics?format=prometheus");
      expect(sealed.status).toBe(200);
      expect(sealed.text).toMatch(/^secrethub_sealed 1$/m);
      // Tokens cannot be counted while sealed: the gauge holds its last count.
      expect(valueOf(sealed.text, "secrethub_tokens_active")).toBe(tokens);
    } finally {
      await s.close();
    }
  });
});
