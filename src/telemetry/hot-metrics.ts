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

/**
 * Label combinations as a tree of Maps, one level per label: finding a combination is one Map.get
 * per label on strings the caller already holds (mount paths, method names), nothing built per call.
 */
class LabelTree<L extends string, V> {
  private readonly root = new Map<string, unknown>();
  /** Every leaf in insertion order (the order prom-client exports its series in). */
  readonly leaves: V[] = [];

  constructor(private readonly names: readonly L[]) {
    if (names.length === 0) throw new Error("hot metrics need at least one label");
  }

  find(labels: Labels<L>, create: () => V): V {
    let node = this.root;
    const last = this.names.length - 1;
    for (let i = 0; i < last; i++) {
      const value = labels[this.names[i]!];
      let next = node.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(value, next);
      }
      node = next;
    }
    const value = labels[this.names[last]!];
    let leaf = node.get(value) as V | undefined;
    if (leaf === undefined) {
      leaf = create();
      node.set(value, leaf);
      this.leaves.push(leaf);
    }
    return leaf;
  }

  clear(): void {
    this.root.clear();
    this.leaves.length = 0;
  }
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
  private readonly series: LabelTree<L, Series>;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    this.series = new LabelTree(labelNames);
    // Same contract as prom-client's own metrics (name, help, type, get, getForPromString, reset).
    registry.registerMetric(this as unknown as Parameters<Registry["registerMetric"]>[0]);
  }

  observe(labels: Labels<L>, value: number): void {
    if (!Number.isFinite(value)) return;
    const s = this.series.find(labels, () => {
      const own: Record<string, string> = {};
      for (const name of this.labelNames) own[name] = labels[name];
      return { labels: own, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
    });
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
    for (const s of this.series.leaves) {
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
  private readonly pending: LabelTree<L, { labels: Labels<L>; n: number }>;
  readonly counter: Counter<L>;

  constructor(opts: { name: string; help: string; labelNames: readonly L[]; registry: Registry }) {
    const pending = (this.pending = new LabelTree(opts.labelNames));
    this.counter = new Counter<L>({
      name: opts.name,
      help: opts.help,
      labelNames: opts.labelNames,
      registers: [opts.registry],
      collect() {
        for (const p of pending.leaves) {
          if (p.n > 0) this.inc(p.labels, p.n);
          p.n = 0;
        }
      },
    });
  }

  inc(labels: Labels<L>): void {
    this.pending.find(labels, () => ({ labels: { ...labels }, n: 0 })).n++;
  }
}
