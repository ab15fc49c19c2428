// deploy/ (issue #5): the Prometheus alert rules and the Grafana dashboard query only metrics a real
// server exports, name every alert and panel the issue lists, and the systemd unit carries the
// operators' hardening options.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startServer, type TestServer } from "../helpers/server.js";
import { declaredMetrics, isExported, queriedMetrics } from "./exposition.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, "utf8");

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string };
}

function alertRules(): Rule[] {
  const doc = parse(read("deploy/monitoring/prometheus-alerts.yaml"));
  const groups: { rules: Rule[] }[] = doc.groups ?? doc.spec?.groups;
  return groups.flatMap((g) => g.rules);
}

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

function dashboardPanels(): Panel[] {
  const doc = JSON.parse(read("deploy/monitoring/grafana-dashboard.json"));
  const flat = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  return flat(doc.panels);
}

/** Series Prometheus makes itself; everything else must come from the server. */
const PROMETHEUS_SYNTHETIC = new Set(["up"]);

describe("queriedMetrics", () => {
  it("finds the metric names of an expression, not its functions, labels, durations or keywords", () => {
    expect(
      queriedMetrics(
        'histogram_quantile(0.95, sum by (le, mount) (rate(secret_access_latency_seconds_bucket{job="x",mount=~"a|b"}[5m]))) > 0.5',
      ),
    ).toEqual(["secret_access_latency_seconds_bucket"]);
    expect(
      queriedMetrics(
        "sum(rate(a_total[$__rate_interval])) / (sum(rate(a_total[5m])) + sum(b_total offset 1h)) and on (instance) c > bool 2 or vector(0)",
      ),
    ).toEqual(["a_total", "b_total", "c"]);
  });
});

describe("monitoring files against a real server's exposition", () => {
  let s: TestServer;
  let declared: Map<string, string>;
  beforeAll(async () => {
    s = await startServer({ env: { PROMETHEUS_ENABLED: "true" } });
    declared = declaredMetrics(await (await fetch(`${s.url}/metrics`)).text());
  });
  afterAll(() => s.close());

  it("the exporter check itself rejects an unknown metric", () => {
    expect(isExported("secret_access_total", declared)).toBe(true);
    expect(isExported("secret_access_latency_seconds_bucket", declared)).toBe(true);
    expect(isExported("secret_access_totals", declared)).toBe(false);
    expect(isExported("secret_access_total_bucket", declared)).toBe(false);
  });

  it("every alert queries only exported metrics", () => {
    const rules = alertRules();
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const names = queriedMetrics(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) {
        if (PROMETHEUS_SYNTHETIC.has(name)) continue;
        expect(isExported(name, declared), `${rule.alert} queries ${name}`).toBe(true);
      }
    }
  });

  it("every dashboard panel queries only exported metrics", () => {
    const panels = dashboardPanels().filter((p) => p.targets);
    expect(panels.length).toBeGreaterThan(0);
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        for (const name of queriedMetrics(target.expr)) {
          expect(isExported(name, declared), `panel "${panel.title}" queries ${name}`).toBe(true);
        }
      }
    }
  });

  it("the dashboard's instance variable reads a metric the server exports", () => {
    const doc = JSON.parse(read("deploy/monitoring/grafana-dashboard.json"));
    const instance = doc.templating.list.find((v: { name: string }) => v.name === "instance");
    const metric = /label_values\((\w+),/.exec(instance.definition)?.[1] ?? "";
    expect(isExported(metric, declared)).toBe(true);
  });
});

describe("alert rules", () => {
  const byName = new Map(alertRules().map((r) => [r.alert, r]));

  it("include every alert the issue lists, each with a severity and a summary", () => {
    for (const name of [
      "SecretProviderDown",
      "SecretRotationFailure",
      "LowRotationSuccessRate",
      "HighSecretAccessErrorRate",
      "HighSecretAccessLatency",
      "LowCacheHitRate",
      "ExcessiveSecretAccess",
      "SecretHubSealed",
      "AuditDeviceFailing",
      // the operators' runbook adds these two
      "HighLatency",
      "DatabasePoolExhausted",
    ]) {
      const rule = byName.get(name);
      expect(rule, name).toBeDefined();
      expect(["critical", "warning"]).toContain(rule?.labels?.severity);
      expect(rule?.annotations?.summary, name).toBeTruthy();
    }
  });

  it("use the thresholds of the issue and the runbooks", () => {
    const expr = (name: string): string => (byName.get(name)?.expr ?? "").replace(/\s+/g, " ");
    expect(expr("LowRotationSuccessRate")).toMatch(/< 0\.99$/);
    expect(expr("HighSecretAccessErrorRate")).toMatch(/\* 60 > 10$/);
    expect(expr("HighSecretAccessLatency")).toMatch(
      /^histogram_quantile\(0\.95, .*secret_access_latency_seconds_bucket.*> 0\.5$/,
    );
    expect(expr("LowCacheHitRate")).toContain("< 0.7");
    expect(expr("ExcessiveSecretAccess")).toMatch(/rate\(secret_access_total\[5m\]\)\) > 100$/);
    expect(expr("HighLatency")).toMatch(/secrethub_request_duration_ms_bucket.*> 100$/);
    expect(expr("DatabasePoolExhausted")).toBe("secrethub_db_pool_utilization > 90");
    expect(expr("SecretHubSealed")).toBe("secrethub_sealed == 1");
    expect(expr("SecretProviderDown")).toBe('up{job="secrethub"} == 0');
  });
});

describe("grafana dashboard", () => {
  it("has the panels the issue lists", () => {
    const titles = dashboardPanels().map((p) => p.title);
    for (const title of [
      "Secret access rate",
      "Access latency (p95)",
      "Cache hit rate",
      "Rotation success rate",
      "Error rate",
      "Seal status",
      "Audit failures",
    ]) {
      expect(titles).toContain(title);
    }
  });

  it("takes its data source as a variable, so UI import, the API and provisioning all work", () => {
    const doc = JSON.parse(read("deploy/monitoring/grafana-dashboard.json"));
    expect(doc.templating.list[0]).toMatchObject({
      name: "datasource",
      type: "datasource",
      query: "prometheus",
    });
    for (const p of dashboardPanels()) expect(p).toMatchObject({ datasource: { uid: "${datasource}" } });
  });
});

describe("systemd unit", () => {
  const text = read("deploy/systemd/secrethub.service");
  const settings = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) settings.set(m[1]!, m[2]!);
  }

  it("carries the operators' hardening options and confines writes to the data directory", () => {
    expect(settings.get("NoNewPrivileges")).toBe("true");
    expect(settings.get("ProtectSystem")).toBe("strict");
    expect(settings.get("PrivateTmp")).toBe("true");
    expect(settings.get("ProtectHome")).toBe("true");
    expect(settings.get("ReadWritePaths")).toBe(`${settings.get("WorkingDirectory")}/data`);
    expect(settings.get("EnvironmentFile")).toMatch(/^\/opt\/secrethub\/secrethub\.env$/);
    expect(settings.get("User")).toBe("secrethub");
  });

  it("runs the built executable and stops it with SIGTERM within a bound longer than the drain", () => {
    const pkg = JSON.parse(read("package.json"));
    expect(settings.get("ExecStart")).toContain(`/opt/secrethub/${pkg.bin.secrethub} server`);
    expect(settings.get("KillSignal")).toBe("SIGTERM");
    expect(Number(settings.get("TimeoutStopSec"))).toBeGreaterThan(10);
  });

  it.skipIf(!existsSync("/usr/bin/systemd-analyze"))("uses only settings systemd knows", async () => {
    const run = promisify(execFile);
    const r = await run("systemd-analyze", ["verify", `${root}deploy/systemd/secrethub.service`]).catch(
      (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? "", stderr: err.stderr ?? "" }),
    );
    const complaints = `${r.stdout}${r.stderr}`
      .split("\n")
      .filter((l) => /Unknown (key|section)|Invalid|Failed to parse|bad-setting/i.test(l));
    expect(complaints).toEqual([]);
  });
});
