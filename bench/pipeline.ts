/**
 * `npx tsx bench/pipeline.ts`: the core's own cost of one KV v2 read, without HTTP. Calls the
 * pipeline of a real server (SQLite file, barrier, token store, ACL, audit broker, observer) directly
 * and reports µs per request, so the HTTP layer's share of `npm run bench` can be told apart.
 * A figure, not a test: no thresholds. BENCH_REQUESTS sets the count (default 50 000), BENCH_TOKEN=root|policy
 * chooses a root token or a policy-limited token (default policy, the common case).
 */
import { performance } from "node:perf_hooks";
import { startServer } from "../test/helpers/server.js";

const total = Number(process.env.BENCH_REQUESTS ?? 50_000);
const inFlight = 32;
const server = await startServer();
const { pipeline } = server.running;
const call = (method: "GET" | "PUT", path: string, token: string, body?: unknown) =>
  pipeline({ method, path, query: {}, body, token, remoteAddress: "127.0.0.1", headers: {} });

await call("PUT", "sys/policies/acl/reader", server.rootToken, {
  policy: 'path "secret/data/*" { capabilities = ["read"] }',
});
const created = await call("PUT", "auth/token/create", server.rootToken, { policies: ["reader"] });
const limited = created.response.auth?.client_token;
if (!limited) throw new Error("token create failed");
const token = process.env.BENCH_TOKEN === "root" ? server.rootToken : limited;
await call("PUT", "secret/data/bench", server.rootToken, { data: { username: "u", password: "p" } });

async function run(n: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next++ < n) {
      const o = await call("GET", "secret/data/bench", token);
      if (o.status !== 200) throw new Error(`status ${o.status}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return ((performance.now() - started) * 1000) / n;
}

await run(Math.min(5_000, total)); // warm-up: JIT, caches
const cpu0 = process.cpuUsage();
const us = await run(total);
const cpu = process.cpuUsage(cpu0);
console.log(
  `KV v2 read through the pipeline (${process.env.BENCH_TOKEN === "root" ? "root" : "policy"} token): ` +
    `${us.toFixed(1)} µs wall, ${((cpu.user + cpu.system) / total).toFixed(1)} µs CPU per request`,
);
await server.close();
