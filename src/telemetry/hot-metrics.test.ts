import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HotCounter, HotHistogram } from "./hot-metrics.js";

const buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const labelNames = ["operation", "mount"] as const;

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe("HotHistogram", () => {
  it("exports exactly what prom-client's Histogram exports for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const hot = new HotHistogram("secret_access_latency_seconds", "help text", labelNames, buckets, ours);
    const reference = new Histogram({
      name: hot.name,
      help: "help text",
      labelNames,
      buckets,
      registers: [theirs],
    });
    const next = random(7);
    const ops = ["read", "list", "update"];
    const mounts = ["secret/", "kv/", "secrets/static/"];
    for (let i = 0; i < 5000; i++) {
      const labels = { operation: ops[Math.floor(next() * 3)]!, mount: mounts[Math.floor(next() * 3)]! };
      // Bounds themselves, values between them, zero and values above the largest bound.
      const value = i % 10 === 0 ? buckets[i % buckets.length]! : next() * 7;
      hot.observe(labels, value);
      reference.observe(labels, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    hot.reset();
    expect(await ours.metrics()).not.toContain("secret_access_latency_seconds_bucket");
  });
});

describe("HotCounter", () => {
  it("hands its increments to the exported Counter at each scrape, none lost or counted twice", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const hot = new HotCounter({ name: "secret_access_total", help: "h", labelNames, registry: ours });
    const reference = new Counter({
      name: "secret_access_total",
      help: "h",
      labelNames,
      registers: [theirs],
    });
    const next = random(11);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 1000; i++) {
        const labels = { operation: next() < 0.5 ? "read" : "list", mount: next() < 0.5 ? "a/" : "b/" };
        hot.inc(labels);
        reference.inc(labels);
      }
      expect(await ours.metrics()).toBe(await theirs.metrics());
    }
    expect(await ours.metrics()).toBe(await theirs.metrics()); // a scrape with nothing new adds nothing
  });
});
