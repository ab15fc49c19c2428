/**
 * What installListMethod costs. For a bare node:http handler and for Fastify, each server in its own
 * process (this file re-run with `--serve`), measured as server CPU time per request (process.cpuUsage
 * around a fixed number of requests):
 * - GET on a plain server ("native"), on a hooked one ("hooked": should cost nothing, connections stay
 *   native until a LIST) and, for reference, on one that reads every socket through JS ("jsread", what
 *   the first version of the hook did);
 * - LIST on a hooked server (the connection is bridged after its first LIST) against the equivalent
 *   GET ?list=true on a plain one;
 * - the framer alone, in-process, per request shape.
 * The variants of a row run side by side (all loaded at once), so a busy shared machine slows them
 * alike; rounds are repeated and the median of per-round ratios is reported. Throughput is not
 * reported: on a shared box it mostly measures the neighbours. Not a test: no thresholds.
 *
 *   npx tsx bench/list-method.ts        env: BENCH_ROUNDS=5 BENCH_REQUESTS=40000 BENCH_CONNECTIONS=8
 */
import autocannon from "autocannon";
import Fastify from "fastify";
import { spawn } from "node:child_process";
import http from "node:http";
import net, { type AddressInfo, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { installListMethod, type ClientErrorClaim } from "../src/http/list-bridge.js";
import { ListMethodRewriter } from "../src/http/list-method.js";

type Kind = "node" | "fastify";
const body = JSON.stringify({ request_id: "x", data: { keys: ["a", "b"] } });
const cpuMicros = () => {
  const u = process.cpuUsage();
  return String(u.user + u.system);
};

async function serve(kind: Kind, variant: Variant): Promise<void> {
  let server: http.Server;
  let claim: ClientErrorClaim = () => false;
  const clientError = (err: Error, socket: Duplex): void => {
    if (!claim(err, socket)) socket.destroy();
  };
  if (kind === "node") {
    server = http.createServer((req, res) => {
      if (req.url === "/cpu") return void res.end(cpuMicros());
      res.setHeader("content-type", "application/json");
      res.end(body);
    });
    server.on("clientError", clientError);
  } else {
    const app = Fastify({ logger: false, clientErrorHandler: clientError });
    app.get("/cpu", () => cpuMicros());
    app.get("/v1/*", (_req, reply) => reply.type("application/json").send(body));
    await app.ready();
    server = app.server;
  }
  if (variant === "hooked") claim = installListMethod(server);
  // Only the public switch to JS reading that the hook uses, without the rewriting: splits the cost.
  if (variant === "jsread") server.on("connection", (socket: Socket) => socket.once("data", () => undefined));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  console.log(`listening on ${(server.address() as AddressInfo).port}`);
}

/**
 * Raw keep-alive load for what autocannon refuses to send (it rejects methods Node does not know):
 * `connections` sockets, each writing `batch` pipelined copies of `request` and waiting for as many
 * "200" status lines before the next batch.
 */
async function rawLoad(
  port: number,
  request: string,
  total: number,
  connections: number,
  batch = 50,
): Promise<number> {
  const payload = Buffer.from(request.repeat(batch), "latin1");
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = net.connect(port, "127.0.0.1");
          const marker = "HTTP/1.1 200 ";
          let sent = 0;
          let seen = 0;
          let tail = ""; // a marker split across reads; shorter than one, so never counted twice
          const timer = setTimeout(
            () => reject(new Error(`stalled at ${seen}/${sent}: not all 200`)),
            30_000,
          );
          socket.on("connect", () => {
            sent += batch;
            socket.write(payload);
          });
          socket.on("data", (d: Buffer) => {
            const text = tail + d.toString("latin1");
            for (let i = text.indexOf(marker); i !== -1; i = text.indexOf(marker, i + 1)) seen++;
            tail = text.slice(-(marker.length - 1));
            if (seen < sent) return;
            if (sent * connections >= total) {
              clearTimeout(timer);
              socket.destroy();
              resolve();
              return;
            }
            sent += batch;
            socket.write(payload);
          });
          socket.on("error", reject);
        }),
    ),
  );
  return (
    (Math.ceil(total / connections / batch) * batch * connections) / ((performance.now() - started) / 1000)
  );
}

type Load = { tool: "autocannon"; pipelining: number } | { tool: "raw"; request: string };
/** native: plain server; jsread: only a `data` listener, which makes Node read through JS; hooked. */
type Variant = "native" | "jsread" | "hooked";

interface Server {
  port: number;
  cpu: () => Promise<number>;
  stop: () => Promise<void>;
}

async function start(kind: Kind, variant: Variant): Promise<Server> {
  const child = spawn(process.execPath, ["--import", "tsx", import.meta.filename, "--serve", kind, variant], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout.on("data", (d: Buffer) => {
      const m = /listening on (\d+)/.exec(d.toString());
      if (m?.[1]) resolve(Number(m[1]));
    }),
  );
  return {
    port,
    cpu: async () => Number(await (await fetch(`http://127.0.0.1:${port}/cpu`)).text()),
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

async function drive(
  port: number,
  load: Load,
  n: number,
): Promise<{ total: number; rps: number; failed: number }> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 8);
  if (load.tool === "raw") {
    const rps = await rawLoad(port, load.request, n, connections);
    return { total: Math.ceil(n / connections / 50) * 50 * connections, rps, failed: 0 };
  }
  const url = `http://127.0.0.1:${port}/v1/secret/metadata/`;
  const r = await autocannon({ url, connections, pipelining: load.pipelining, amount: n });
  return { total: r.requests.total, rps: r.requests.average, failed: r.non2xx + r.errors };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/**
 * Runs the variants side by side — all servers up and loaded at the same time, so whatever else the
 * machine does hits them alike — for BENCH_ROUNDS rounds; prints median server CPU per request.
 */
async function compare(label: string, kind: Kind, variants: [Variant, Load][]): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const amount = Number(process.env.BENCH_REQUESTS ?? 40_000);
  const cpu: number[][] = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const servers = await Promise.all(variants.map(([variant]) => start(kind, variant)));
    await Promise.all(servers.map((s, k) => drive(s.port, variants[k]![1], Math.ceil(amount / 4)))); // JIT warm-up
    const before = await Promise.all(servers.map((s) => s.cpu()));
    const runs = await Promise.all(servers.map((s, k) => drive(s.port, variants[k]![1], amount)));
    const after = await Promise.all(servers.map((s) => s.cpu()));
    await Promise.all(servers.map((s) => s.stop()));
    runs.forEach((r, k) => {
      if (r.failed > 0) throw new Error(`${label} ${variants[k]![0]}: ${r.failed} failed requests`);
      cpu[k]!.push((after[k]! - before[k]!) / r.total);
    });
  }
  // Rounds differ a lot on a shared machine, but the variants of one round ran side by side: compare
  // within rounds (median of per-round ratios to the first variant), not column medians.
  const cells = variants.map(([variant], k) => {
    const own = `${variant} ${median(cpu[k]!).toFixed(1)}µs`;
    if (k === 0) return own;
    const ratio = median(cpu[k]!.map((x, round) => x / cpu[0]![round]!));
    return `${own} (${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(1)}% paired)`;
  });
  console.log(`${label.padEnd(34)} server cpu/request: ${cells.join(", ")}`);
  console.log(
    `${"".padEnd(34)} per round: ${variants.map(([v], k) => `${v} [${cpu[k]!.map((x) => x.toFixed(1)).join(" ")}]`).join(" ")}`,
  );
}

/** The framer alone, in-process: CPU time per request for a few typical request shapes. */
function framerCost(): void {
  const shapes: [string, Buffer][] = [
    [
      "autocannon GET, 59 B",
      Buffer.from("GET /v1/secret/metadata/ HTTP/1.1\r\nHost: 127.0.0.1:8200\r\n\r\n"),
    ],
    [
      "hvac-like GET, 319 B",
      Buffer.from(
        "GET /v1/secret/data/app/config HTTP/1.1\r\nHost: vault.example.com:8200\r\n" +
          "User-Agent: hvac/2.1.0 python-requests/2.31.0\r\nAccept-Encoding: gzip, deflate\r\nAccept: */*\r\n" +
          "Connection: keep-alive\r\nX-Vault-Token: hvs.CAESIJk2ZmY0YzE1LTg2ZmUtNGY2Ny1hZDAyLWQ1ZjI4ZGY4ZjkyYg\r\n" +
          "X-Vault-Request: true\r\nContent-Type: application/json\r\n\r\n",
      ),
    ],
    [
      "PUT with 4 KiB body",
      Buffer.concat([
        Buffer.from(
          "PUT /v1/secret/data/x HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n",
        ),
        Buffer.alloc(4096, 0x61),
      ]),
    ],
    [
      "LIST (rewritten), 60 B",
      Buffer.from("LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: 127.0.0.1:8200\r\n\r\n"),
    ],
  ];
  for (const [name, request] of shapes) {
    const rewriter = new ListMethodRewriter();
    for (let i = 0; i < 200_000; i++) rewriter.write(request);
    const n = 2_000_000;
    const t = process.cpuUsage();
    for (let i = 0; i < n; i++) rewriter.write(request);
    const used = process.cpuUsage(t);
    console.log(
      `framer alone, ${name.padEnd(24)} ${(((used.user + used.system) * 1000) / n).toFixed(0)} ns/request`,
    );
  }
}

async function main(): Promise<void> {
  framerCost();
  const list = "LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const getList = "GET /v1/secret/metadata/?list=true HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (const kind of ["node", "fastify"] as const) {
    for (const pipelining of [1, 10]) {
      const load: Load = { tool: "autocannon", pipelining };
      await compare(`${kind} GET, pipelining ${pipelining}`, kind, [
        ["native", load],
        ["jsread", load],
        ["hooked", load],
      ]);
    }
    await compare(`${kind} GET ?list=true vs LIST`, kind, [
      ["native", { tool: "raw", request: getList }],
      ["hooked", { tool: "raw", request: list }],
    ]);
  }
}

if (process.argv[2] === "--serve") await serve(process.argv[3] as Kind, process.argv[4] as Variant);
else await main();
