import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Metrics, type RequestFacts } from "./metrics.js";
import { requestObserver } from "./observer.js";

const facts: RequestFacts = {
  requestId: "req-42",
  method: "GET",
  operation: "read",
  mountPath: "secret/",
  mountType: "kv",
  unauthenticated: false,
  status: 200,
  failed: false,
  durationMs: 3,
};

function captured() {
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (s: string) => void lines.push(s) });
  return { logger, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("requestObserver", () => {
  it("updates the metrics and logs one line with request id, mount, operation, status and latency", async () => {
    const metrics = new Metrics({
      version: "x",
      processMetrics: false,
      sources: { sealState: () => Promise.resolve({ initialized: true, sealed: false }) },
    });
    const { logger, entries } = captured();
    requestObserver(metrics, logger).done(facts);
    expect(entries()).toEqual([
      expect.objectContaining({
        level: 30,
        reqId: "req-42",
        method: "GET",
        mount: "secret/",
        operation: "read",
        status: 200,
        latencyMs: 3,
        msg: "request completed",
      }),
    ]);
    expect(await metrics.exposition()).toContain(
      'secret_access_total{operation="read",mount="secret/",result="success"} 1',
    );
  });

  it("logs server errors at warn", () => {
    const { logger, entries } = captured();
    requestObserver({ observe: () => undefined }, logger).done({ ...facts, status: 503, failed: true });
    expect(entries()[0]).toMatchObject({ level: 40, status: 503, msg: "request failed" });
  });

  it("logs a deliberate 5xx answer (a sealed node's sys/health) at info, not as a failure", () => {
    const { logger, entries } = captured();
    requestObserver({ observe: () => undefined }, logger).done({ ...facts, mountPath: "sys/", status: 503 });
    expect(entries()[0]).toMatchObject({ level: 30, status: 503, msg: "request completed" });
  });

  it("never throws into the pipeline", () => {
    const { logger } = captured();
    const broken = {
      observe: () => {
        throw new Error("metrics broke");
      },
    };
    expect(() => requestObserver(broken, logger).done(facts)).not.toThrow();
  });
});
