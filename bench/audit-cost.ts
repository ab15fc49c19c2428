/**
 * `tsx bench/audit-cost.ts`: the CPU cost of auditing one request (request and response entries:
 * format, HMAC, hash chain, file append) measured in process, without HTTP, so a busy machine
 * disturbs it less than the HTTP benchmark. Not a test: no thresholds, just figures.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { AuditBroker } from "../src/audit/broker.js";
import type { AuditRecord } from "../src/core/audit-port.js";
import { systemClock } from "../src/core/clock.js";
import { PrefixedView } from "../src/core/view.js";
import { MemoryStorage } from "../src/storage/memory.js";

const pairs = Number(process.env.BENCH_AUDIT_PAIRS ?? 20_000);
const concurrency = Number(process.env.BENCH_CONNECTIONS ?? 32);

/** A KV v2 read by a root token, as the HTTP benchmark sends it. */
const record: AuditRecord = {
  fullPath: "secret/data/bench",
  clientToken: "hvs.ABCDEFGHIJKLMNOPQRSTUVWX",
  request: {
    id: "4b2a9a3e-0000-4000-8000-000000000000",
    operation: "read",
    path: "data/bench",
    mountPath: "secret/",
    mountType: "kv",
    data: {},
    caller: {
      namespace: "",
      remoteAddress: "127.0.0.1",
      token: {
        accessor: "ACCESSORACCESSORACCESSOR",
        policies: ["root"],
        displayName: "root",
        entityId: "",
        metadata: {},
        idHash: "x",
        orphan: false,
      },
    },
    storage: new PrefixedView(new MemoryStorage(), "m/"),
    headers: {},
  },
};
const response = {
  data: {
    data: { username: "u", password: "p" },
    metadata: { version: 1, created_time: "2026-01-01T00:00:00Z", deletion_time: "", destroyed: false },
  },
};

/** Wall time per request (includes waiting for the file) and CPU time per request (the real cost). */
async function run(broker: AuditBroker): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let done = 0; done < pairs; done += concurrency) {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, pairs - done) }, async () => {
        // A new request object per request, as the server makes: nothing may be shared across requests.
        const own = { ...record, request: { ...record.request } };
        await broker.logRequest(own);
        await broker.logResponse({ ...own, response, status: 200 });
      }),
    );
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: ((performance.now() - start) * 1000) / pairs, cpu: (cpu.user + cpu.system) / pairs };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "secrethub-audit-cost-"));
  const broker = new AuditBroker({
    storage: new PrefixedView(new MemoryStorage(), "core/audit/"),
    clock: systemClock,
    maintenanceIntervalMs: 0,
  });
  await broker.load();
  const none = await run(broker);
  await broker.enable("file", { type: "file", options: { file_path: join(dir, "audit.log") } });
  await run(broker); // warm-up
  const file = await run(broker);
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`${pairs} audited requests (request + response entry each), ${concurrency} in flight\n`);
  console.log("| devices | µs wall per request | µs CPU per request |");
  console.log("| --- | ---: | ---: |");
  console.log(`| none | ${none.wall.toFixed(1)} | ${none.cpu.toFixed(1)} |`);
  console.log(`| 1 file device | ${file.wall.toFixed(1)} | ${file.cpu.toFixed(1)} |`);
}

await main();
