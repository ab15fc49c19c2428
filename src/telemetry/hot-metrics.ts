/**
 * Metrics updated on every request, cheaply. prom-client's Histogram and Counter validate and hash
 * the label object on each call (~1 µs each, three per request: a tenth of a cached KV read). Here a
 * label combination is found by one string key in a Map, and an update is a few additions:
 * - `HotHistogram` is a histogram of its own that speaks prom-client's metric contract (`get`,
 *   `getForPromString`), so the registry renders it; hot-metrics.test.ts checks its exposition
 *   line for line against prom-client's own Histogram fed the same values.
 * - `HotCounter` keeps increments in plain numbers and hands them to a prom-client Counter at each
 *   scrape (its `collect` hook), so the Counter stays the one that is exported.
 * Label values must be bounded (see metrics.ts); each combination is kept for the process lifetime.
 */
import { Counter, type Registry } from "prom-client";

type Labels<L extends string> = Readonly<Record<L, string>>;

/** Joins label values into one Map key (NUL cannot occur in our label values). */
function keyOf<L extends string>(names: readonly L[], labels: Labels<L>): string {
  let key = "";
  for (const name of names) key += labels[name] + "\u0000";
  return key;
}

interface Series {
  readonly labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
}

export class HotHistogram<L extends string> {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    // Same contract as prom-client's own metrics (name, help, type, get, getForPromString, reset).
    registry.registerMetric(this as unknown as Parameters<Registry["registerMetric"]>[0]);
  }

  observe(labels: Labels<L>, value: number): void {
    if (!Number.isFinite(value)) return;
    const key = keyOf(this.labelNames, labels);
    let s = this.series.get(key);
    if (s === undefined) {
      const own: Record<string, string> = {};
      for (const name of this.labelNames) own[name] = labels[name];
      s = { labels: own, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  reset(): void {
    this.series.clear();
  }

  /** For the text exposition: `le` as the value's own label, the series' labels shared (as prom-client). */
  getForPromString(): Promise<{ name: string; help: string; type: string; values: ExportedValue[] }> {
    const values: ExportedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({
          labels: { le },
          sharedLabels: s.labels,
          value: cumulative,
          metricName: bucket,
          exemplar: null,
        });
      });
      const inf = { labels: { le: "+Inf" }, sharedLabels: s.labels, value: s.count, metricName: bucket };
      values.push({ ...inf, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values });
  }

  /** For JSON consumers (registry.getMetricsAsJSON): every label on the value itself. */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    values: ExportedValue[];
    aggregator: string;
  }> {
    const data = await this.getForPromString();
    const values = data.values.map(({ sharedLabels, ...v }) => ({
      ...v,
      labels: { ...v.labels, ...sharedLabels },
    }));
    return { ...data, values, aggregator: this.aggregator };
  }
}

/** A prom-client Counter whose per-request increments are batched until the next scrape. */
export class HotCounter<L extends string> {
  private readonly pending = new Map<string, { labels: Labels<L>; n: number }>();
  private readonly labelNames: readonly L[];
  readonly counter: Counter<L>;

  constructor(opts: { name: string; help: string; labelNames: readonly L[]; registry: Registry }) {
    this.labelNames = opts.labelNames;
    const pending = this.pending;
    this.counter = new Counter<L>({
      name: opts.name,
      help: opts.help,
      labelNames: opts.labelNames,
      registers: [opts.registry],
      collect() {
        for (const p of pending.values()) {
          if (p.n > 0) this.inc(p.labels, p.n);
          p.n = 0;
        }
      },
    });
  }

  inc(labels: Labels<L>): void {
    const key = keyOf(this.labelNames, labels);
    const p = this.pending.get(key);
    if (p === undefined) this.pending.set(key, { labels: { ...labels }, n: 1 });
    else p.n++;
  }
}
