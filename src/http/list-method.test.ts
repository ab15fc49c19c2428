import Fastify, { type FastifyInstance } from "fastify";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ListMethodRewriter, installListMethod } from "./list-method.js";

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

/** Runs `input` through a fresh rewriter in pieces of `size` bytes (0: one piece), plus `end()`. */
function rewrite(input: string, size = 0): string {
  const r = new ListMethodRewriter();
  const bytes = Buffer.from(input, "latin1");
  const out: Buffer[] = [];
  const step = size === 0 ? bytes.length || 1 : size;
  for (let i = 0; i < bytes.length; i += step) out.push(r.write(bytes.subarray(i, i + step)));
  out.push(r.end());
  return Buffer.concat(out).toString("latin1");
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: Record<string, unknown>;
}

/** Splits a response byte stream into responses (our servers always send Content-Length). */
function parseReplies(raw: Buffer): Reply[] {
  const replies: Reply[] = [];
  let pos = 0;
  for (;;) {
    const end = raw.indexOf("\r\n\r\n", pos);
    if (end < 0) return replies;
    const [statusLine = "", ...lines] = raw.subarray(pos, end).toString("latin1").split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    if (raw.length < end + 4 + length) return replies;
    const body = raw.subarray(end + 4, end + 4 + length).toString("utf8");
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(body);
    } catch {
      // not every reply is JSON (Node's own 400 has no body)
    }
    replies.push({ status: Number(statusLine.split(" ")[1]), headers, body, json });
    pos = end + 4 + length;
  }
}

interface ExchangeOptions {
  /** Resolve once this many replies arrived (the connection stays open until then). */
  replies: number;
  /** Else give up once the server has been silent this long after the last write (default 2 s). */
  idleMs?: number;
  tls?: boolean;
  /** Pause between writes so they leave as separate TCP segments. */
  gapMs?: number;
}

/** Writes `pieces` on one raw connection and collects the replies. */
async function exchange(port: number, pieces: (string | Buffer)[], opts: ExchangeOptions) {
  const socket: net.Socket = opts.tls
    ? tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false })
    : net.connect({ port, host: "127.0.0.1" });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once(opts.tls ? "secureConnect" : "connect", resolve);
    socket.once("error", reject);
  });
  const chunks: Buffer[] = [];
  let closed = false;
  let wake = () => {};
  socket.on("data", (d: Buffer) => {
    chunks.push(d);
    wake();
  });
  socket.on("close", () => {
    closed = true;
    wake();
  });
  socket.on("error", () => undefined); // a reset after Node's 400 is expected; `closed` tells
  for (const piece of pieces) {
    if (socket.destroyed) break;
    socket.write(typeof piece === "string" ? Buffer.from(piece, "latin1") : piece);
    if (opts.gapMs !== undefined) await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  const count = () => parseReplies(Buffer.concat(chunks)).length;
  while (!closed && count() < opts.replies) {
    const before = chunks.length;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, opts.idleMs ?? 2_000);
    });
    clearTimeout(timer);
    if (chunks.length === before && !closed) break; // silent for idleMs
  }
  const localPort = socket.localPort;
  socket.destroy();
  return { replies: parseReplies(Buffer.concat(chunks)), closed, localPort };
}

/** Every byte as its own write. */
function bytewise(s: string): string[] {
  return [...Buffer.from(s, "latin1")].map((b) => String.fromCharCode(b));
}

/** node:http handler: answers what it saw, as JSON. */
function echo(req: http.IncomingMessage, res: http.ServerResponse): void {
  const body: Buffer[] = [];
  req.on("data", (d: Buffer) => body.push(d));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        body: Buffer.concat(body).toString("latin1"),
        remoteAddress: req.socket.remoteAddress,
        remotePort: req.socket.remotePort,
        hooked: Object.hasOwn(req.socket, "push"),
      }),
    );
  });
}

const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return (server.address() as AddressInfo).port;
}

async function nodeServer(hooked = true): Promise<number> {
  const server = http.createServer(echo);
  if (hooked) installListMethod(server);
  return listen(server);
}

const host = "Host: 127.0.0.1\r\n";
const list = (target: string) => `LIST ${target} HTTP/1.1\r\n${host}\r\n`;
const get = (target: string) => `GET ${target} HTTP/1.1\r\n${host}\r\n`;

// The acceptance stream: GET + LIST + POST whose body holds "LIST " + LIST with a chunked body.
const postBody = "LIST /v1/evil HTTP/1.1\r\n\r\n";
const pipelined =
  get("/v1/a") +
  list("/v1/secret/metadata/") +
  `POST /v1/b HTTP/1.1\r\n${host}Content-Type: text/plain\r\nContent-Length: ${postBody.length}\r\n\r\n${postBody}` +
  `LIST /v1/c?x=1 HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n` +
  `5;ext="a;b"\r\nLIST \r\n4\r\n/x\r\n\r\n0\r\nX-Trailer: LIST /t HTTP/1.1\r\n\r\n`;

/** `getBodies`: whether the app reads bodies of GET requests (node:http does, Fastify ignores them). */
function expectPipelined(replies: Reply[], getBodies = true): void {
  expect(replies.map((r) => [r.status, r.json.method, r.json.url])).toEqual([
    [200, "GET", "/v1/a"],
    [200, "GET", "/v1/secret/metadata/?list=true"],
    [200, "POST", "/v1/b"],
    [200, "GET", "/v1/c?list=true&x=1"],
  ]);
  expect(replies[2]!.json.body).toBe(postBody);
  if (getBodies) expect(replies[3]!.json.body).toBe("LIST /x\r\n");
}

let certDir = "";
let key = Buffer.alloc(0);
let cert = Buffer.alloc(0);
beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), "secrethub-list-tls-"));
  const args = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -days 1";
  execFileSync(
    "openssl",
    [...args.split(" "), "-keyout", join(certDir, "key.pem"), "-out", join(certDir, "cert.pem")],
    {
      stdio: "ignore",
    },
  );
  key = readFileSync(join(certDir, "key.pem"));
  cert = readFileSync(join(certDir, "cert.pem"));
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------
// The framer on its own
// ---------------------------------------------------------------------------------------------------

describe("ListMethodRewriter", () => {
  it("rewrites LIST to GET with list=true, first in the query", () => {
    expect(rewrite(list("/v1/secret/metadata/"))).toBe(get("/v1/secret/metadata/?list=true"));
    expect(rewrite(list("/v1/x?a=1&b=2"))).toBe(get("/v1/x?list=true&a=1&b=2"));
    expect(rewrite(list("/v1/x?list=false"))).toBe(get("/v1/x?list=true&list=false"));
    expect(rewrite(list("/v1/x?"))).toBe(get("/v1/x?list=true&"));
    expect(rewrite(list("/v1/x#frag"))).toBe(get("/v1/x?list=true#frag"));
    expect(rewrite(list("http://h/v1/x"))).toBe(get("http://h/v1/x?list=true"));
    expect(rewrite("LIST /x HTTP/1.0\r\n\r\n")).toBe("GET /x?list=true HTTP/1.0\r\n\r\n");
    expect(rewrite("\r\n" + list("/x"))).toBe("\r\n" + get("/x?list=true"));
  });

  it("hands back the very same buffer when there is nothing to rewrite", () => {
    const r = new ListMethodRewriter();
    const chunk = Buffer.from(get("/a") + `POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc`);
    expect(r.write(chunk)).toBe(chunk);
    expect(r.passthrough).toBe(false);
  });

  it("gives the same bytes for every way of splitting the stream", () => {
    const whole = rewrite(pipelined);
    expect(whole).toBe(
      get("/v1/a") +
        get("/v1/secret/metadata/?list=true") +
        pipelined.slice(pipelined.indexOf("POST"), pipelined.indexOf("LIST /v1/c")) +
        `GET /v1/c?list=true&x=1 HTTP/1.1` +
        pipelined.slice(pipelined.indexOf(" HTTP/1.1", pipelined.indexOf("LIST /v1/c")) + 9),
    );
    for (const size of [1, 2, 3, 5, 7, 13]) expect(rewrite(pipelined, size)).toBe(whole);
    const bytes = Buffer.from(pipelined, "latin1");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const r = new ListMethodRewriter();
      const out = Buffer.concat([r.write(bytes.subarray(0, cut)), r.write(bytes.subarray(cut)), r.end()]);
      expect(out.toString("latin1"), `split at ${cut}`).toBe(whole);
    }
  });

  it("never touches request bodies, whatever they contain", () => {
    const body = list("/inside") + list("/inside");
    const fixed = `PUT /a HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    expect(rewrite(fixed + list("/after"), 1)).toBe(fixed + get("/after?list=true"));
    const chunked =
      `PUT /a HTTP/1.1\r\ntransfer-encoding: Chunked \r\n\r\n` +
      `${body.length.toString(16)};a=b\r\n${body}\r\n0\r\nT: LIST / HTTP/1.1\r\n\r\n`;
    expect(rewrite(chunked + list("/after"), 1)).toBe(chunked + get("/after?list=true"));
    const zeroLength = `POST /a HTTP/1.1\r\ncontent-length:  0 \r\n\r\n`;
    expect(rewrite(zeroLength + list("/after"))).toBe(zeroLength + get("/after?list=true"));
  });

  it("holds back only a possible LIST, and lets everything else through unchanged", () => {
    expect(rewrite("LISTEN / HTTP/1.1\r\n\r\n" + list("/x"), 1)).toBe(
      "LISTEN / HTTP/1.1\r\n\r\n" + get("/x?list=true"),
    );
    expect(rewrite("LIS")).toBe("LIS");
    expect(rewrite("L", 1)).toBe("L");
    expect(rewrite("list /x HTTP/1.1\r\n\r\n")).toBe("list /x HTTP/1.1\r\n\r\n");
    expect(rewrite("LINK /x HTTP/1.1\r\n\r\n")).toBe("LINK /x HTTP/1.1\r\n\r\n");
    const r = new ListMethodRewriter();
    expect(r.write(Buffer.from("LIS")).length).toBe(0);
    expect(r.write(Buffer.from("T /y HTTP/1.1\r\n\r\n")).toString()).toBe(
      "GET /y?list=true HTTP/1.1\r\n\r\n",
    );
  });

  // Anything that could make llhttp frame the stream differently: stop rewriting for good.
  it.each([
    ["CONNECT", `CONNECT h:443 HTTP/1.1\r\n${host}\r\n`],
    ["Upgrade", `GET / HTTP/1.1\r\n${host}Connection: upgrade\r\nUpgrade: websocket\r\n\r\n`],
    ["CL + TE", `POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ["TE + CL", `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`],
    ["two Content-Length", `POST / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n`],
    ["Content-Length +1", `POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx`],
    ["Content-Length 1 1", `POST / HTTP/1.1\r\nContent-Length: 1 1\r\n\r\nx`],
    ["empty Content-Length", `POST / HTTP/1.1\r\nContent-Length:\r\n\r\n`],
    ["huge Content-Length", `POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n`],
    ["gzip, chunked", `POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`],
    [
      "two Transfer-Encoding",
      `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    ],
    ["space before colon", `POST / HTTP/1.1\r\nContent-Length : 0\r\n\r\n`],
    ["obs-fold", `GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n`],
    ["bare LF", `GET / HTTP/1.1\nHost: x\n\n`],
    ["bare CR", `GET / HTTP/1.1\r\nX: a\rb\r\n\r\n`],
    ["HTTP/2.0", `GET / HTTP/2.0\r\n\r\n`],
    ["HTTP/0.9", `GET /\r\n\r\n`],
    ["double space", `GET  / HTTP/1.1\r\n\r\n`],
    ["control in target", `GET /\ta HTTP/1.1\r\n\r\n`],
    ["chunk size with space", `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n`],
    ["chunk without CRLF", `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n`],
    ["chunk size overflow", `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n`],
    ["folded trailer", `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n 2\r\n\r\n`],
    ["LIST with control in target", `LIST /a\tb HTTP/1.1\r\n\r\n`],
  ])("gives up on %s: the bytes and any LIST after them go to llhttp unchanged", (_name, input) => {
    for (const size of [0, 1]) {
      const out = rewrite(input + list("/x"), size);
      // A LIST already under way keeps its "GET" (llhttp rejects the tab in its target all the same).
      const expected = input.startsWith("LIST ") ? "GET " + input.slice(5) : input;
      expect(out).toBe(expected + list("/x"));
    }
    const r = new ListMethodRewriter();
    r.write(Buffer.from(input, "latin1"));
    expect(r.passthrough).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------
// A real node:http server
// ---------------------------------------------------------------------------------------------------

describe("installListMethod on node:http", () => {
  it("answers two LIST requests on one kept-alive connection as GET ?list=true", async () => {
    const port = await nodeServer();
    const { replies, closed } = await exchange(
      port,
      [list("/v1/secret/metadata/"), list("/v1/secret/metadata/")],
      {
        replies: 2,
        gapMs: 20,
      },
    );
    expect(closed).toBe(false);
    expect(replies.map((r) => [r.status, r.json.method, r.json.url, r.headers.connection])).toEqual([
      [200, "GET", "/v1/secret/metadata/?list=true", "keep-alive"],
      [200, "GET", "/v1/secret/metadata/?list=true", "keep-alive"],
    ]);
  });

  it("answers pipelined GET, LIST, POST with 'LIST ' in its body and chunked LIST, in order", async () => {
    const port = await nodeServer();
    expectPipelined((await exchange(port, [pipelined], { replies: 4 })).replies);
  });

  it("keeps an existing query string", async () => {
    const port = await nodeServer();
    const { replies } = await exchange(port, [list("/v1/secret/metadata/app?version=2&x=%20y")], {
      replies: 1,
    });
    expect(replies[0]!.json.url).toBe("/v1/secret/metadata/app?list=true&version=2&x=%20y");
  });

  it("handles requests split byte by byte across TCP writes", async () => {
    const port = await nodeServer();
    const { replies } = await exchange(port, bytewise(pipelined), { replies: 4, gapMs: 1 });
    expectPipelined(replies);
  });

  it("leaves ordinary traffic alone: GET, POST, large and chunked bodies, DELETE", async () => {
    const port = await nodeServer();
    const big = "LIST ".repeat(200_000); // 1 MB, many TCP reads
    const stream =
      get("/v1/a?b=c") +
      `POST /v1/big HTTP/1.1\r\n${host}Content-Length: ${big.length}\r\n\r\n${big}` +
      `PUT /v1/c HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n` +
      `DELETE /v1/d HTTP/1.1\r\n${host}\r\n`;
    const { replies } = await exchange(port, [stream], { replies: 4 });
    expect(replies.map((r) => [r.status, r.json.method, r.json.url])).toEqual([
      [200, "GET", "/v1/a?b=c"],
      [200, "POST", "/v1/big"],
      [200, "PUT", "/v1/c"],
      [200, "DELETE", "/v1/d"],
    ]);
    expect((replies[1]!.json.body as string).length).toBe(big.length);
    expect(replies[2]!.json.body).toBe("abc");
    // A real client too.
    const res = await fetch(`http://127.0.0.1:${port}/v1/f`, { method: "POST", body: "x=1" });
    expect(await res.json()).toMatchObject({ method: "POST", url: "/v1/f", body: "x=1" });
  });

  it("still answers 400 to a garbage or lower-case method, as Node does without the hook", async () => {
    const port = await nodeServer();
    for (const line of ["FOO!BAR / HTTP/1.1", "list / HTTP/1.1", "LISTEN / HTTP/1.1", "LIS"]) {
      const { replies } = await exchange(port, [`${line}\r\n${host}\r\n`], { replies: 1 });
      expect(replies[0]?.status, line).toBe(400);
      expect(replies[0]?.headers.connection, line).toBe("close");
    }
  });

  it("reports the real remote address and port", async () => {
    const port = await nodeServer();
    const { replies, localPort } = await exchange(port, [list("/v1/x")], { replies: 1 });
    expect(replies[0]!.json).toMatchObject({ remoteAddress: "127.0.0.1", remotePort: localPort });
  });

  it("works for https.Server, where plaintext arrives on secureConnection", async () => {
    const server = https.createServer({ key, cert }, echo);
    installListMethod(server);
    const port = await listen(server);
    const { replies } = await exchange(port, [pipelined], { replies: 4, tls: true });
    expectPipelined(replies);
    const split = await exchange(port, bytewise(list("/v1/s?q=1")), { replies: 1, tls: true, gapMs: 1 });
    expect(split.replies[0]!.json).toMatchObject({ method: "GET", url: "/v1/s?list=true&q=1" });
  });

  it("unhooks the socket once the framer gives up (here: an Upgrade header)", async () => {
    const port = await nodeServer();
    const { replies } = await exchange(
      port,
      [get("/v1/a"), `GET /v1/b HTTP/1.1\r\n${host}Upgrade: h2c\r\n\r\n`, list("/v1/c")],
      { replies: 3, gapMs: 20 },
    );
    expect(replies.map((r) => [r.status, r.json.hooked])).toEqual([
      [200, true],
      [200, false],
      [400, undefined], // the LIST after it gets Node's own 400, as without the hook
    ]);
  });

  it("installing twice does not rewrite twice", async () => {
    const server = http.createServer(echo);
    installListMethod(server);
    installListMethod(server);
    const port = await listen(server);
    const { replies } = await exchange(port, [list("/v1/x")], { replies: 1 });
    expect(replies[0]!.json.url).toBe("/v1/x?list=true");
  });

  // Differential check against llhttp itself. Each stream is followed by a LIST and a closing GET and
  // sent, split in several places, to a hooked server and to a plain one. The plain one gets the LIST
  // already spelled as GET ?list=true where we promise to rewrite it, and verbatim where the framer must
  // give up; replies must then match byte for byte. Malformed input must fail exactly as without us.
  it("frames requests exactly like llhttp: differential test against an unhooked server", async () => {
    const plain = await nodeServer(false);
    const hooked = await nodeServer(true);
    const big = "0123456789abcdef".repeat(4096);
    const corpus: [input: string, listAfter: "rewritten" | "verbatim"][] = [
      [get("/a") + `POST /b HTTP/1.1\r\n${host}Content-Length: 5\r\n\r\nLIST ` + get("/c"), "rewritten"],
      [
        `PUT /a HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n3;x="y;z"\r\nabc\r\n0\r\nT: 1\r\n\r\n`,
        "rewritten",
      ],
      [
        `PUT /a HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n${(big.length - 1).toString(16)}\r\n${big.slice(1)}\r\nA\r\n${list("/").slice(0, 10)}\r\n0\r\n\r\n`,
        "rewritten",
      ],
      [`PUT /a HTTP/1.1\r\n${host}cOnTeNt-LeNgTh: ${big.length}\r\n\r\n${big}`, "rewritten"],
      [`POST /z HTTP/1.1\r\n${host}Content-Length: 0\r\n\r\n`, "rewritten"],
      [`\r\n\r\n` + get("/leading-crlf") + "\n", "rewritten"],
      [`POST / HTTP/1.1\r\n${host}Content-Length: 1 \r\n\r\nx`, "rewritten"],
      [`GET /h HTTP/1.1\r\n${host}X-Obs: caf\xe9\r\nX-Empty:\r\n\r\n`, "rewritten"],
      [`POST / HTTP/1.1\r\n${host}Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, "verbatim"],
      [`GET / HTTP/1.1\r\n${host}Upgrade: h2c\r\n\r\n`, "verbatim"],
      [`GET / HTTP/2.0\r\n${host}\r\n`, "verbatim"],
      // llhttp rejects all of these, so nothing after them is answered either way.
      [
        `POST / HTTP/1.1\r\n${host}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        "verbatim",
      ],
      [`GET / HTTP/1.1\nHost: x\n\n`, "verbatim"],
      [`GET / HTTP/1.1\r\n${host}X: a\r\n b\r\n\r\n`, "verbatim"],
      [`POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n`, "verbatim"],
      [`GET /a\rb HTTP/1.1\r\n${host}\r\n`, "verbatim"],
      [`POST / HTTP/1.1\r\n${host}Content-Length: 1\r\nContent-Length: 1\r\n\r\nx`, "verbatim"],
    ];
    const listed = list("/l?q=1");
    const asGet = get("/l?list=true&q=1");
    const last = `GET /last HTTP/1.1\r\n${host}Connection: close\r\n\r\n`; // ends in-sync exchanges
    // Node answers a parse error with 400 and closes; whether that 400 reaches us before the reset
    // caused by our further bytes is a race, so a rejection is compared as "closed", not as a 400.
    const view = (rs: Reply[]) =>
      rs.filter((r) => r.status !== 400).map((r) => [r.status, r.json.method, r.json.url, r.json.body]);
    const splits = (s: string) => {
      const bytes = Buffer.from(s, "latin1");
      return [bytes.length, 7, bytes.length >> 1, bytes.length - 3].map((at) =>
        [bytes.subarray(0, at), bytes.subarray(at)].filter((p) => p.length > 0),
      );
    };
    await Promise.all(
      corpus.map(async ([input, listAfter]) => {
        const sent = splits(input + listed + last);
        const oracle = splits(input + (listAfter === "rewritten" ? asGet : listed) + last);
        for (let k = 0; k < sent.length; k++) {
          const opts = { replies: Infinity, gapMs: 5, idleMs: 300 };
          const [expected, actual] = await Promise.all([
            exchange(plain, oracle[k]!, opts),
            exchange(hooked, sent[k]!, opts),
          ]);
          const label = `${JSON.stringify(input)}, split ${k}`;
          expect(expected.replies.length > 0 || expected.closed, label).toBe(true);
          expect(view(actual.replies), label).toEqual(view(expected.replies));
          expect(actual.closed, label).toBe(expected.closed);
        }
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// The Node behaviour the hook depends on (see the Invariant in list-method.ts). If one of these fails
// after a Node upgrade, LIST support is gone (requests get Node's 400), and list-method.ts needs rework.
// ---------------------------------------------------------------------------------------------------

describe("Node invariants installListMethod relies on", () => {
  it("http.Server registers its connection listener in the constructor, so ours runs after it", () => {
    const server = http.createServer();
    expect(server.listenerCount("connection"), "Node's own listener").toBe(1);
    installListMethod(server);
    expect(server.listenerCount("connection")).toBe(2);
    const secure = https.createServer({ key, cert });
    expect(secure.listenerCount("secureConnection"), "Node's own listener").toBe(1);
  });

  it("a data listener makes the http server read the socket through JS, via push()", async () => {
    const server = http.createServer(echo);
    let pushed = 0;
    server.on("connection", (socket: net.Socket) => {
      const push = socket.push.bind(socket);
      socket.push = (chunk: unknown, encoding?: BufferEncoding) => {
        if (chunk instanceof Uint8Array) pushed += chunk.length;
        return push(chunk, encoding);
      };
      socket.once("data", () => undefined);
    });
    const port = await listen(server);
    const request = get("/v1/x");
    const { replies } = await exchange(port, [request], { replies: 1 });
    expect(replies[0]!.status).toBe(200);
    expect(pushed, "bytes seen by socket.push").toBe(request.length);
  });

  it("without the hook, Node still rejects LIST (else this module is obsolete)", async () => {
    const port = await nodeServer(false);
    const { replies } = await exchange(port, [list("/v1/x")], { replies: 1 });
    expect(replies[0]!.status).toBe(400);
  });

  it("warns when socket data stops coming through push()", async () => {
    const server = http.createServer(echo);
    installListMethod(server);
    const warning = new Promise<Error>((resolve) => process.once("warning", resolve));
    const socket = new Duplex({ read: () => undefined, write: (_c, _e, cb: () => void) => cb() });
    server.emit("connection", socket);
    socket.emit("data", Buffer.from(get("/")));
    expect((await warning).message).toMatch(/bypassed push/);
    socket.destroy();
  });
});

// ---------------------------------------------------------------------------------------------------
// Fastify 5
// ---------------------------------------------------------------------------------------------------

function routes(app: FastifyInstance): FastifyInstance {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));
  app.route({
    method: ["GET", "POST", "PUT", "DELETE"],
    url: "/v1/*",
    handler: (request) => ({
      method: request.method,
      url: request.url,
      query: request.query,
      body: typeof request.body === "string" ? request.body : "",
      ip: request.ip,
    }),
  });
  return app;
}

async function fastifyListen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  servers.push({ close: () => app.close() });
  return (app.server.address() as AddressInfo).port;
}

describe("installListMethod under Fastify 5", () => {
  it("via app.server before listen: kept-alive LISTs, pipelining, query, request.ip", async () => {
    const app = routes(Fastify({ logger: false, forceCloseConnections: true }));
    installListMethod(app.server);
    const port = await fastifyListen(app);

    const two = await exchange(port, [list("/v1/secret/metadata/"), list("/v1/secret/metadata/")], {
      replies: 2,
      gapMs: 20,
    });
    expect(two.closed).toBe(false);
    for (const r of two.replies) {
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ method: "GET", query: { list: "true" }, ip: "127.0.0.1" });
    }
    expectPipelined((await exchange(port, [pipelined], { replies: 4 })).replies, false);
    const { replies } = await exchange(port, bytewise(list("/v1/kv/metadata/?version=3")), {
      replies: 1,
      gapMs: 1,
    });
    expect(replies[0]!.json).toMatchObject({
      method: "GET",
      url: "/v1/kv/metadata/?list=true&version=3",
      query: { list: "true", version: "3" },
    });
    const normal = await fetch(`http://127.0.0.1:${port}/v1/n`, { method: "PUT", body: "LIST / HTTP/1.1" });
    expect(await normal.json()).toMatchObject({ method: "PUT", url: "/v1/n", body: "LIST / HTTP/1.1" });
    const garbage = await exchange(port, [`FOO!BAR /v1/x HTTP/1.1\r\n${host}\r\n`], { replies: 1 });
    expect(garbage.replies[0]!.status).toBe(400);
  });

  it("via serverFactory", async () => {
    const app = routes(
      Fastify({
        logger: false,
        forceCloseConnections: true,
        serverFactory: (handler) => {
          const server = http.createServer(handler);
          installListMethod(server);
          return server;
        },
      }),
    );
    const port = await fastifyListen(app);
    const { replies } = await exchange(port, [list("/v1/secret/metadata/"), get("/v1/plain")], {
      replies: 2,
    });
    expect(replies.map((r) => [r.status, r.json.method, r.json.url])).toEqual([
      [200, "GET", "/v1/secret/metadata/?list=true"],
      [200, "GET", "/v1/plain"],
    ]);
  });

  it("with Fastify's https option", async () => {
    const app = routes(Fastify({ logger: false, forceCloseConnections: true, https: { key, cert } }));
    installListMethod(app.server);
    const port = await fastifyListen(app);
    const { replies } = await exchange(port, [list("/v1/secret/metadata/")], { replies: 1, tls: true });
    expect(replies[0]!.json).toMatchObject({ method: "GET", query: { list: "true" }, ip: "127.0.0.1" });
  });
});
