/**
 * sys/metrics without `format=prometheus`: Vault answers with go-metrics' in-memory dump
 * ({Timestamp, Gauges, Points, Counters, Samples}). We give the same top-level shape from the same
 * registry: gauges as they are, counters as running totals, histograms as count/sum/mean samples.
 */
import type { Registry } from "prom-client";

type Labels = Record<string, string>;

export interface VaultMetrics {
  Timestamp: string;
  Gauges: { Name: string; Value: number; Labels: Labels }[];
  Points: never[];
  Counters: { Name: string; Count: number; Sum: number; Labels: Labels }[];
  Samples: { Name: string; Count: number; Sum: number; Mean: number; Labels: Labels }[];
}

function labelsOf(raw: Partial<Record<string, string | number>>): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined && k !== "le") out[k] = String(v);
  }
  return out;
}

export async function vaultMetrics(registry: Registry, now: Date): Promise<VaultMetrics> {
  const out: VaultMetrics = {
    Timestamp: now.toISOString(),
    Gauges: [],
    Points: [],
    Counters: [],
    Samples: [],
  };
  for (const metric of await registry.getMetricsAsJSON()) {
    // prom-client's declared enum and its runtime strings disagree; compare the runtime value.
    const type = String(metric.type);
    if (type === "gauge") {
      for (const v of metric.values)
        out.Gauges.push({ Name: metric.name, Value: v.value, Labels: labelsOf(v.labels) });
    } else if (type === "counter") {
      for (const v of metric.values)
        out.Counters.push({ Name: metric.name, Count: v.value, Sum: v.value, Labels: labelsOf(v.labels) });
    } else if (type === "histogram") {
      const series = new Map<string, { labels: Labels; count: number; sum: number }>();
      for (const v of metric.values) {
        const name = "metricName" in v && typeof v.metricName === "string" ? v.metricName : "";
        const labels = labelsOf(v.labels);
        const key = JSON.stringify(labels);
        const s = series.get(key) ?? { labels, count: 0, sum: 0 };
        if (name.endsWith("_count")) s.count = v.value;
        else if (name.endsWith("_sum")) s.sum = v.value;
        series.set(key, s);
      }
      for (const s of series.values()) {
        out.Samples.push({
          Name: metric.name,
          Count: s.count,
          Sum: s.sum,
          Mean: s.count > 0 ? s.sum / s.count : 0,
          Labels: s.labels,
        });
      }
    }
  }
  return out;
}
