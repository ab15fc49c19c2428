import { describe, expect, it } from "vitest";
import { Metrics } from "./metrics.js";
import { vaultMetrics } from "./vault-json.js";

describe("vaultMetrics", () => {
  it("gives Vault's JSON shape: gauges, counters and histogram samples with their labels", async () => {
    const m = new Metrics({
      version: "9.9.9",
      processMetrics: false,
      sources: { sealState: () => Promise.resolve({ initialized: true, sealed: true }) },
    });
    const base = {
      requestId: "r",
      method: "GET",
      operation: "read",
      mountType: "kv",
      unauthenticated: false,
      failed: false,
    } as const;
    m.observe({ ...base, mountPath: "secret/", status: 200, durationMs: 10 });
    m.observe({ ...base, mountPath: "secret/", status: 200, durationMs: 30 });
    const out = await vaultMetrics(m.registry, new Date(Date.UTC(2026, 0, 1)));
    expect(out.Timestamp).toBe("2026-01-01T00:00:00.000Z");
    expect(out.Points).toEqual([]);
    expect(out.Gauges).toContainEqual({ Name: "secrethub_sealed", Value: 1, Labels: {} });
    expect(out.Gauges).toContainEqual({
      Name: "secrethub_build_info",
      Value: 1,
      Labels: { version: "9.9.9" },
    });
    expect(out.Counters).toContainEqual({
      Name: "secret_access_total",
      Count: 2,
      Sum: 2,
      Labels: { operation: "read", mount: "secret/", result: "success" },
    });
    expect(out.Samples).toContainEqual({
      Name: "secret_access_latency_seconds",
      Count: 2,
      Sum: 0.04,
      Mean: 0.02,
      Labels: { operation: "read", mount: "secret/" },
    });
  });
});
