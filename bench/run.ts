/**
 * `npm run bench`: KV v2 read and write throughput and latency with autocannon on loopback, as a ratio
 * to a bare Fastify handler measured in the same run. Servers run in their own processes so the load
 * generator does not share their event loop. Not a test: no thresholds, just figures.
 */
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { api } from "../test/helpers/server.js";
import { spawnServer, type ServerProcess } from "../test/helpers/process.js";

const duration = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Unrecorded load before each measured run of a server, so JIT warm-up is not measured (both sides). */
const warmup = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);

async function load(name: string, opts: autocannon.Options): Promise<Row> {
  if (warmup > 0) await autocannon({ duration: warmup, connections, ...opts });
  const r = await autocannon({ duration, connections, ...opts });
  const non2xx = r.non2xx + r.errors + r.timeouts;
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: non2xx };
}

async function stop(p: ServerProcess): Promise<void> {
  p.child.kill("SIGTERM");
  await new Promise((r) => p.child.once("exit", r));
}

const middle = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Median by req/s, with the errors of every round summed. */
function median(xs: Row[], name: string): Row {
  const sorted = [...xs].sort((x, y) => x.rps - y.rps);
  const mid = sorted[Math.floor(sorted.length / 2)] ?? { name, rps: 0, p50: 0, p99: 0, errors: 0 };
  return { ...mid, name, errors: xs.reduce((n, r) => n + r.errors, 0) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "secrethub-bench-"));
  const bare = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "baseline-server.ts")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const bareUrl = await new Promise<string>((resolve) =>
    bare.stdout.on("data", (d: Buffer) => {
      const m = /listening on (\S+)/.exec(d.toString());
      if (m?.[1]) resolve(m[1]);
    }),
  );
  const config = join(dir, "bench.hcl");
  writeFileSync(
    config,
    `storage "sqlite" { path = "${join(dir, "bench.db")}" }\nlistener "tcp" { address = "127.0.0.1:0" }\nlog_level = "warn"\n`,
  );
  // The built server, as `npm start` runs it (tsx's dev transpile adds per-closure overhead).
  const server = await spawnServer([`-config=${config}`], {}, /listening on/, { built: true });
  const init = await api(server.url, "PUT", "sys/init", { body: { secret_shares: 1, secret_threshold: 1 } });
  await api(server.url, "PUT", "sys/unseal", { body: { key: init.body.keys[0] } });
  const token = init.body.root_token as string;
  await api(server.url, "PUT", "secret/data/bench", {
    token,
    body: { data: { username: "u", password: "p" } },
  });
  const headers = { "x-vault-token": token, "content-type": "application/json" };
  const readUrl = `${server.url}/v1/secret/data/bench`;
  const put = { method: "PUT" as const, body: '{"data":{"a":"b"}}' };

  // Reads: bare and SecretHub alternate, round by round (both servers stay up), so load from anything
  // else on the machine hits both alike; the ratio reported is the median of the per-round ratios.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const bareGets: Row[] = [];
  const reads: Row[] = [];
  const readRatios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const b = await load("bare", { url: `${bareUrl}/v1/secret/data/bench` });
    const r = await load("read", { url: readUrl, headers });
    bareGets.push(b);
    reads.push(r);
    readRatios.push(r.rps / b.rps);
  }
  const barePut = await load("bare fastify PUT", {
    url: `${bareUrl}/v1/secret/data/bench`,
    ...put,
    headers: { "content-type": "application/json" },
  });
  bare.kill("SIGTERM");
  const write = await load("secrethub KV v2 write", {
    url: `${server.url}/v1/secret/data/bench-w`,
    ...put,
    headers,
  });

  // Audit (issue #4): KV read with and without one file device, alternated in rounds (enable, run,
  // disable, run ...) so load from anything else on the machine hits both alike; medians reported.
  const auditRounds = Number(process.env.BENCH_AUDIT_ROUNDS ?? 3);
  const plain: Row[] = [];
  const audited: Row[] = [];
  for (let i = 0; i < auditRounds; i++) {
    plain.push(await load("plain", { url: readUrl, headers }));
    const on = await api(server.url, "PUT", "sys/audit/bench", {
      token,
      body: { type: "file", options: { file_path: join(dir, `audit-${i}.log`) } },
    });
    if (on.status !== 204) throw new Error(`enabling the audit device failed: ${on.text}`);
    audited.push(await load("audited", { url: readUrl, headers }));
    await api(server.url, "DELETE", "sys/audit/bench", { token });
  }
  await stop(server);
  rmSync(dir, { recursive: true, force: true });

  const bareGet = median(bareGets, `bare fastify GET (median of ${rounds})`);
  const ratioOf = (r: Row) => r.rps / bareGet.rps;
  const rows: [Row, number][] = [
    [bareGet, 1],
    [barePut, 1],
    [median(reads, `secrethub KV v2 read (median of ${rounds})`), middle(readRatios)],
    [write, write.rps / barePut.rps],
  ];
  const plainRead = median(plain, `secrethub KV v2 read, no audit (median of ${auditRounds})`);
  const auditedRead = median(audited, `secrethub KV v2 read, 1 file audit device (median of ${auditRounds})`);
  rows.push([plainRead, ratioOf(plainRead)], [auditedRead, ratioOf(auditedRead)]);

  console.log(`\n${duration}s per run (after ${warmup}s of warm-up), ${connections} connections, loopback\n`);
  console.log("| run | req/s | p50 ms | p99 ms | non-2xx+errors | ratio to bare |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const [r, ratio] of rows) {
    console.log(
      `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${(ratio * 100).toFixed(1)}% |`,
    );
  }
  console.log(
    `\nKV read / bare GET per round: ${readRatios.map((x) => `${(x * 100).toFixed(1)}%`).join(", ")} ` +
      `(the read row's ratio is their median)`,
  );
  const cost = 1 - auditedRead.rps / plainRead.rps;
  console.log(`audit cost on KV read: ${(cost * 100).toFixed(1)}% fewer req/s with one file device`);
}

await main();
