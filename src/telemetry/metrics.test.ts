import { describe, expect, it } from "vitest";
import { Metrics, accessResult, isLoginFailure, isSecretEngine, type RequestFacts } from "./metrics.js";

const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  requestId: "r-1",
  method: "GET",
  operation: "read",
  mountPath: "secret/",
  mountType: "kv",
  unauthenticated: false,
  status: 200,
  failed: false,
  durationMs: 12,
  ...over,
});

const unsealed = { sealState: () => Promise.resolve({ initialized: true, sealed: false }) };

async function sample(
  m: Metrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const got = await metric.get();
  const hit = got.values.find(
    (v) =>
      ("metricName" in v ? v.metricName === name || v.metricName === undefined : true) &&
      Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want),
  );
  return hit?.value;
}

describe("classification", () => {
  it("maps statuses to bounded results", () => {
    expect([200, 204, 404, 403, 401, 400, 412, 429, 500, 503].map(accessResult)).toEqual([
      "success",
      "success",
      "not_found",
      "denied",
      "denied",
      "client_error",
      "client_error",
      "client_error",
      "error",
      "error",
    ]);
  });

  it("counts only secrets engines as secret access", () => {
    expect(isSecretEngine({ mountPath: "secret/", mountType: "kv" })).toBe(true);
    expect(isSecretEngine({ mountPath: "cubbyhole/", mountType: "cubbyhole" })).toBe(true);
    expect(isSecretEngine({ mountPath: "sys/", mountType: "system" })).toBe(false);
    expect(isSecretEngine({ mountPath: "auth/token/", mountType: "token" })).toBe(false);
    expect(isSecretEngine({ mountPath: "auth/approle/", mountType: "approle" })).toBe(false);
    expect(isSecretEngine({ mountPath: "", mountType: "" })).toBe(false);
  });

  it("recognises refused logins on unauthenticated auth routes only", () => {
    const login = { mountPath: "auth/userpass/", unauthenticated: true };
    expect(isLoginFailure({ ...login, status: 400 })).toBe(true);
    expect(isLoginFailure({ ...login, status: 429 })).toBe(true);
    expect(isLoginFailure({ ...login, status: 200 })).toBe(false);
    expect(isLoginFailure({ ...login, status: 503 })).toBe(false);
    expect(isLoginFailure({ mountPath: "auth/userpass/", unauthenticated: false, status: 403 })).toBe(false);
    expect(isLoginFailure({ mountPath: "sys/", unauthenticated: true, status: 400 })).toBe(false);
  });
});

describe("Metrics", () => {
  it("records a secret read in the request histogram, access counter and latency histogram", async () => {
    const m = new Metrics({ version: "1.2.3", sources: unsealed, processMetrics: false });
    m.observe(facts());
    m.observe(facts({ status: 404 }));
    m.observe(facts({ mountPath: "sys/", mountType: "system", status: 403 }));
    expect(
      await sample(m, "secret_access_total", { mount: "secret/", operation: "read", result: "success" }),
    ).toBe(1);
    expect(await sample(m, "secret_access_total", { mount: "secret/", result: "not_found" })).toBe(1);
    expect(await sample(m, "secret_access_total", { mount: "sys/" })).toBeUndefined();
    const text = await m.exposition();
    expect(text).toContain('secrethub_request_duration_ms_count{method="GET",mount="sys/",status="403"} 1');
    expect(text).toContain(
      'secrethub_request_duration_ms_bucket{le="25",method="GET",mount="secret/",status="200"} 1',
    );
    expect(text).toContain('secret_access_latency_seconds_sum{operation="read",mount="secret/"} 0.024');
    expect(text).toContain('secrethub_build_info{version="1.2.3"} 1');
  });

  it("labels requests that matched no mount as mount=none", async () => {
    const m = new Metrics({ version: "x", sources: unsealed, processMetrics: false });
    m.observe(facts({ mountPath: "", mountType: "", status: 404 }));
    expect(await m.exposition()).toContain(
      'secrethub_request_duration_ms_count{method="GET",mount="none",status="404"} 1',
    );
  });

  it("counts login failures by auth mount", async () => {
    const m = new Metrics({ version: "x", sources: unsealed, processMetrics: false });
    m.observe(
      facts({ mountPath: "auth/userpass/", mountType: "userpass", unauthenticated: true, status: 400 }),
    );
    m.observe(
      facts({ mountPath: "auth/userpass/", mountType: "userpass", unauthenticated: true, status: 200 }),
    );
    expect(await sample(m, "secrethub_login_failures_total", { mount: "auth/userpass/" })).toBe(1);
  });

  it("counts rotations and hands back the rotation's own result or error", async () => {
    const m = new Metrics({ version: "x", sources: unsealed, processMetrics: false });
    expect(await m.rotation("barrier_key", () => Promise.resolve(7))).toBe(7);
    const boom = new Error("storage down");
    await expect(m.rotation("barrier_key", () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await sample(m, "secret_rotation_total", { kind: "barrier_key", result: "success" })).toBe(1);
    expect(await sample(m, "secret_rotation_total", { kind: "barrier_key", result: "failure" })).toBe(1);
  });

  it("counts cache hits and misses per cache, and audit writes and failures per device", async () => {
    const m = new Metrics({ version: "x", sources: unsealed, processMetrics: false });
    const acl = m.cache("acl");
    acl.hit();
    acl.hit();
    acl.miss();
    m.auditDevice.written("file/", 3);
    m.auditDevice.failed("socket/");
    m.auditBrokerFailed("request");
    expect(await sample(m, "secrethub_cache_hits_total", { cache: "acl" })).toBe(2);
    expect(await sample(m, "secrethub_cache_misses_total", { cache: "acl" })).toBe(1);
    expect(await sample(m, "secrethub_audit_writes_total", { device: "file/" })).toBe(3);
    expect(await sample(m, "secrethub_audit_failures_total", { device: "socket/" })).toBe(1);
    expect(await sample(m, "secrethub_audit_broker_failures_total", { stage: "request" })).toBe(1);
  });

  it("reads seal state, token and lease counts and pool utilization (percent) on each scrape", async () => {
    let state = { initialized: false, sealed: true };
    let tokens: number | undefined = undefined;
    const m = new Metrics({
      version: "x",
      processMetrics: false,
      sources: {
        sealState: () => Promise.resolve(state),
        activeTokens: () => Promise.resolve(tokens),
        activeLeases: () => Promise.resolve(4),
        poolUtilization: () => 0.9166,
      },
    });
    let text = await m.exposition();
    expect(text).toMatch(/^secrethub_sealed 1$/m);
    expect(text).toMatch(/^secrethub_initialized 0$/m);
    expect(text).toMatch(/^secrethub_tokens_active 0$/m);
    expect(text).toMatch(/^secrethub_leases_active 4$/m);
    expect(text).toMatch(/^secrethub_db_pool_utilization 91.66$/m);
    state = { initialized: true, sealed: false };
    tokens = 12;
    text = await m.exposition();
    expect(text).toMatch(/^secrethub_sealed 0$/m);
    expect(text).toMatch(/^secrethub_initialized 1$/m);
    expect(text).toMatch(/^secrethub_tokens_active 12$/m);
  });

  it("keeps serving a scrape when a source fails", async () => {
    const m = new Metrics({
      version: "x",
      processMetrics: false,
      sources: {
        sealState: () => Promise.reject(new Error("storage down")),
        activeTokens: () => Promise.reject(new Error("sealed")),
      },
    });
    const text = await m.exposition();
    expect(text).toContain("# TYPE secrethub_sealed gauge");
    expect(text).toMatch(/^secrethub_db_pool_utilization 0$/m);
  });

  it("does not let a source that never answers hang the scrape", async () => {
    const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
    const m = new Metrics({
      version: "x",
      processMetrics: false,
      sources: { sealState: never, activeTokens: never, activeLeases: never },
    });
    const started = Date.now();
    const text = await m.exposition();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(text).toMatch(/^secrethub_tokens_active 0$/m);
  });

  it("keeps one registry per instance, with process metrics unless disabled", async () => {
    const a = new Metrics({ version: "x", sources: unsealed });
    const b = new Metrics({ version: "x", sources: unsealed, processMetrics: false });
    a.observe(facts());
    expect(await a.exposition()).toContain("process_cpu_user_seconds_total");
    const other = await b.exposition();
    expect(other).not.toContain("process_cpu_user_seconds_total");
    expect(other).not.toMatch(/^secret_access_total\{/m);
  });
});
