import Fastify, { type FastifyInstance } from "fastify";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { get, host, list, pipelined, postBody } from "../../test/helpers/http-requests.js";
import { answerClientError } from "./client-error.js";
import { ListBridge, installListMethod, listStart, type ClientErrorClaim } from "./list-bridge.js";

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

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

/** node:http handler: answers what it saw, as JSON (after 150 ms for a URL containing "/slow"). */
function echo(req: http.IncomingMessage, res: http.ServerResponse): void {
  const body: Buffer[] = [];
  req.on("data", (d: Buffer) => body.push(d));
  req.on("end", () => setTimeout(answer, req.url?.includes("/slow") ? 150 : 0));
  const answer = () => {
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        body: Buffer.concat(body).toString("latin1"),
        remoteAddress: req.socket.remoteAddress,
        remotePort: req.socket.remotePort,
        bridged: req.socket instanceof ListBridge,
      }),
    );
  };
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

/** What an app does with installListMethod's claim: offer it every client error first. */
function hook(server: http.Server | https.Server): void {
  const claim = installListMethod(server);
  server.on("clientError", (err: Error, socket: Duplex) => {
    if (!claim(err, socket)) answerClientError(err, socket);
  });
}

async function nodeServer(hooked = true): Promise<number> {
  const server = http.createServer(echo);
  if (hooked) hook(server);
  return listen(server);
}

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
    hook(server);
    const port = await listen(server);
    const { replies } = await exchange(port, [pipelined], { replies: 4, tls: true });
    expectPipelined(replies);
    const split = await exchange(port, bytewise(list("/v1/s?q=1")), { replies: 1, tls: true, gapMs: 1 });
    expect(split.replies[0]!.json).toMatchObject({ method: "GET", url: "/v1/s?list=true&q=1" });
  });

  it("reads a connection natively until a LIST arrives, then bridges the rest of it", async () => {
    const port = await nodeServer();
    const { replies, closed } = await exchange(
      port,
      [get("/v1/a"), get("/v1/b"), list("/v1/c"), get("/v1/d"), list("/v1/e")],
      { replies: 5, gapMs: 20 },
    );
    expect(closed).toBe(false);
    expect(replies.map((r) => [r.status, r.json.method, r.json.url, r.json.bridged])).toEqual([
      [200, "GET", "/v1/a", false],
      [200, "GET", "/v1/b", false],
      [200, "GET", "/v1/c?list=true", true],
      [200, "GET", "/v1/d", true],
      [200, "GET", "/v1/e?list=true", true],
    ]);
  });

  it("answers requests pipelined before a LIST first, even when they finish later", async () => {
    const server = http.createServer(echo);
    hook(server);
    let bridges = 0;
    server.on("connection", (socket: Duplex) => {
      if (socket instanceof ListBridge) bridges++;
    });
    const port = await listen(server);
    // Then one more request once all is answered, on the same connection.
    const { replies } = await exchange(
      port,
      [get("/v1/slow") + list("/v1/fast") + get("/v1/after"), get("/v1/later")],
      { replies: 4, gapMs: 400 },
    );
    expect(replies.map((r) => [r.status, r.json.url, r.json.bridged])).toEqual([
      [200, "/v1/slow", false],
      [200, "/v1/fast?list=true", true],
      [200, "/v1/after", true],
      [200, "/v1/later", true],
    ]);
    // The old response's "finish" and "close" both announce it is done: the bridge starts once.
    expect(bridges).toBe(1);
  });

  it("stops rewriting once the framer gives up (here: an Upgrade header); Node then judges", async () => {
    const port = await nodeServer();
    const { replies } = await exchange(
      port,
      [list("/v1/a"), `GET /v1/b HTTP/1.1\r\n${host}Upgrade: h2c\r\n\r\n`, list("/v1/c")],
      { replies: 3, gapMs: 20 },
    );
    expect(replies.map((r) => [r.status, r.json.url])).toEqual([
      [200, "/v1/a?list=true"],
      [200, "/v1/b"],
      [400, undefined], // the LIST after it gets a 400, as without the hook
    ]);
  });

  it("keeps a bridged connection's timeouts: an idle one is closed after keepAliveTimeout", async () => {
    const server = http.createServer(echo);
    server.keepAliveTimeout = 200;
    hook(server);
    const port = await listen(server);
    const started = Date.now();
    const { replies, closed } = await exchange(port, [list("/v1/a")], { replies: 2, idleMs: 2_000 });
    expect(replies.map((r) => r.json.url)).toEqual(["/v1/a?list=true"]);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it("installing twice does not rewrite twice", async () => {
    const server = http.createServer(echo);
    expect(installListMethod(server)).toBe(installListMethod(server));
    hook(server);
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
      // The framer gives up on these, but a LIST after them still starts on Node's native parser.
      [
        `POST / HTTP/1.1\r\n${host}Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`,
        "rewritten",
      ],
      [`GET / HTTP/1.1\r\n${host}Upgrade: h2c\r\n\r\n`, "rewritten"],
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
// The Node behaviour the bridge depends on (see the module comment of list-bridge.ts). If one of these
// fails after a Node upgrade, LIST support is gone (requests get a 400) and list-bridge.ts needs rework.
// ---------------------------------------------------------------------------------------------------

describe("Node invariants installListMethod relies on", () => {
  it("http.Server registers its connection listener in the constructor, so ours surround it", () => {
    const server = http.createServer();
    expect(server.listenerCount("connection"), "Node's own listener").toBe(1);
    installListMethod(server);
    expect(server.listenerCount("connection")).toBe(3);
    const secure = https.createServer({ key, cert });
    expect(secure.listenerCount("secureConnection"), "Node's own listener").toBe(1);
  });

  it("a LIST is a client error carrying its chunk and the offset of the S", async () => {
    const server = http.createServer(echo);
    const seen: { code?: string; bytesParsed?: number; rawPacket?: Buffer }[] = [];
    server.on("clientError", (err: Error & (typeof seen)[number], socket: Duplex) => {
      seen.push({ code: err.code, bytesParsed: err.bytesParsed, rawPacket: err.rawPacket });
      socket.destroy();
    });
    const port = await listen(server);
    const stream = get("/v1/a") + list("/v1/b");
    await exchange(port, [stream], { replies: 2, idleMs: 300 });
    expect(seen).toEqual([
      { code: "HPE_INVALID_METHOD", bytesParsed: stream.indexOf("LIST") + 2, rawPacket: Buffer.from(stream) },
    ]);
  });

  it("_http_common.freeParser exists (the helper Node's own upgrade path uses)", async () => {
    const { createRequire } = await import("node:module");
    const common = createRequire(import.meta.url)("_http_common") as { freeParser?: unknown };
    expect(typeof common.freeParser).toBe("function");
  });

  it("without the hook, Node still rejects LIST (else this module is obsolete)", async () => {
    const port = await nodeServer(false);
    const { replies } = await exchange(port, [list("/v1/x")], { replies: 1 });
    expect(replies[0]!.status).toBe(400);
  });
});

describe("listStart", () => {
  const at = (s: string, offset: number) => listStart(Buffer.from(s, "latin1"), offset)?.toString("latin1");
  it("finds the LIST from the failing S, also when a TCP read ended inside the method", () => {
    expect(at("GET / HTTP/1.1\r\n\r\nLIST /x", 20)).toBe("LIST /x");
    expect(at("LIS", 2)).toBe("LIS");
    expect(at("IST /x", 1)).toBe("LIST /x");
    expect(at("ST /x", 0)).toBe("LIST /x");
  });
  it("refuses anything else", () => {
    expect(at("LIXT /x", 2)).toBeUndefined();
    expect(at("XIST /x", 2)).toBeUndefined();
    expect(at("FOO /x", 0)).toBeUndefined();
    expect(at("XST /x", 1)).toBeUndefined();
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

/** Fastify wired as buildApp wires it: the claim goes first in clientErrorHandler. */
function listFastify(https?: { key: Buffer; cert: Buffer }): FastifyInstance {
  let claim: ClientErrorClaim = () => false;
  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    ...(https ? { https } : {}),
    clientErrorHandler: (err, socket) => {
      if (!claim(err, socket)) answerClientError(err, socket);
    },
  }) as unknown as FastifyInstance;
  claim = installListMethod(app.server);
  return routes(app);
}

async function fastifyListen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  servers.push({ close: () => app.close() });
  return (app.server.address() as AddressInfo).port;
}

describe("installListMethod under Fastify 5", () => {
  it("via app.server before listen: kept-alive LISTs, pipelining, query, request.ip", async () => {
    const app = listFastify();
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
    expect(garbage.replies[0]!.json).toEqual({ errors: ["malformed HTTP request"] });
  });

  it("via serverFactory", async () => {
    let claim: ClientErrorClaim = () => false;
    const app = routes(
      Fastify({
        logger: false,
        forceCloseConnections: true,
        serverFactory: (handler) => {
          const server = http.createServer(handler);
          claim = installListMethod(server);
          return server;
        },
        clientErrorHandler: (err, socket) => {
          if (!claim(err, socket)) answerClientError(err, socket);
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
    const app = listFastify({ key, cert });
    const port = await fastifyListen(app);
    const { replies } = await exchange(port, [list("/v1/secret/metadata/")], { replies: 1, tls: true });
    expect(replies[0]!.json).toMatchObject({ method: "GET", query: { list: "true" }, ip: "127.0.0.1" });
  });

  it("a bridged keep-alive connection does not hold up shutdown", async () => {
    const app = listFastify();
    await app.listen({ host: "127.0.0.1", port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const socket = net.connect({ port, host: "127.0.0.1" });
    await new Promise((resolve) => socket.once("connect", resolve));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    const first = new Promise<Buffer>((resolve) => socket.once("data", resolve));
    socket.write(list("/v1/secret/metadata/"));
    expect((await first).toString("latin1")).toMatch(/^HTTP\/1\.1 200 /);
    const started = Date.now();
    await app.close(); // Fastify closes idle connections, the bridge's parser among them
    await closed;
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
