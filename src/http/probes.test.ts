import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { metricsRoute, notReadyReason, probeRoutes, type ProbeSources } from "./probes.js";

function sources(over: Partial<ProbeSources> = {}): ProbeSources {
  return {
    version: "1.0.0",
    uptimeSeconds: () => 42,
    started: () => true,
    draining: () => false,
    sealState: () => Promise.resolve({ initialized: true, sealed: false }),
    pingStorage: () => Promise.resolve(),
    ...over,
  };
}

describe("notReadyReason", () => {
  it("is undefined only when started, initialized, unsealed, not draining and storage answers", async () => {
    expect(await notReadyReason(sources())).toBeUndefined();
    expect(await notReadyReason(sources({ draining: () => true }))).toBe("shutting_down");
    expect(await notReadyReason(sources({ started: () => false }))).toBe("starting");
    expect(
      await notReadyReason(
        sources({ sealState: () => Promise.resolve({ initialized: false, sealed: true }) }),
      ),
    ).toBe("uninitialized");
    expect(
      await notReadyReason(
        sources({ sealState: () => Promise.resolve({ initialized: true, sealed: true }) }),
      ),
    ).toBe("sealed");
    expect(await notReadyReason(sources({ pingStorage: () => Promise.reject(new Error("down")) }))).toBe(
      "storage_unavailable",
    );
    expect(await notReadyReason(sources({ sealState: () => Promise.reject(new Error("down")) }))).toBe(
      "storage_unavailable",
    );
  });

  it("calls storage unavailable when it does not answer within the bound", async () => {
    const hang = (): Promise<void> => new Promise(() => undefined);
    expect(await notReadyReason(sources({ pingStorage: hang, pingTimeoutMs: 50 }))).toBe(
      "storage_unavailable",
    );
  });
});

describe("probe routes", () => {
  it("answer /health, /ready, /startup and /metrics over HTTP", async () => {
    let sealed = true;
    const app = Fastify();
    probeRoutes(sources({ sealState: () => Promise.resolve({ initialized: true, sealed }) }))(app);
    metricsRoute(() => Promise.resolve({ contentType: "text/plain; version=0.0.4", body: "up 1\n" }))(app);
    const health = await app.inject({ url: "/health" });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: "healthy", uptime: 42, version: "1.0.0" });
    const notReady = await app.inject({ url: "/ready" });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: "not_ready", reason: "sealed" });
    sealed = false;
    expect((await app.inject({ url: "/ready" })).json()).toEqual({ status: "ready" });
    expect((await app.inject({ url: "/startup" })).json()).toEqual({ status: "started" });
    const metrics = await app.inject({ url: "/metrics" });
    expect(metrics.headers["content-type"]).toBe("text/plain; version=0.0.4");
    expect(metrics.body).toBe("up 1\n");
    expect(health.headers["cache-control"]).toBe("no-store");
    await app.close();
  });
});
