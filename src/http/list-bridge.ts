/**
 * Vault's `LIST` HTTP method on Node's native HTTP path.
 *
 * Vault clients (hvac, node-vault, the vault CLI for some calls) send `LIST /v1/secret/metadata/
 * HTTP/1.1`. Node's parser (llhttp) has a fixed method table without LIST, so it stops at the "S" and
 * reports a client error. Every other request stays on Node's native path: the socket is read and
 * parsed in C++, as on a plain Node server (reading every socket through JS to rewrite LIST in flight,
 * as this module first did, cost ~20 % of a KV read's CPU).
 *
 * When the client error is a LIST, `claim` takes the connection over instead of answering 400:
 * 1. It finds where the LIST request starts in the error's `rawPacket` (llhttp reports the offset of
 *    the "S" as `bytesParsed`; see `listStart` for a request split inside its method).
 * 2. It detaches Node's HTTP machinery from the socket the way Node's own upgrade path does: removes
 *    the input listeners the server added when it adopted the socket (recorded at `connection` time)
 *    and frees the parser with `_http_common.freeParser`, which also hands reading back to JS.
 * 3. It hands the server a `ListBridge` (a Duplex over the real socket) as a new connection (public
 *    API: "any Duplex stream can be passed"). Bytes from the LIST on go through `ListMethodRewriter`,
 *    which turns each `LIST <target>` into `GET <target>?list=true` (Vault treats both alike), so the
 *    rest of that connection — further LISTs included — is parsed by a fresh llhttp instance.
 * Responses to requests that came before the LIST on the same connection (pipelining) are written
 * first: the bridge starts only once the socket has no response in flight.
 *
 * Invariants this relies on (list-bridge.test.ts asserts each, so a Node upgrade that changes them
 * fails loudly): a LIST client error carries `code` HPE_INVALID_METHOD, `rawPacket` and `bytesParsed`;
 * `_http_common.freeParser` exists; http.Server/https.Server register their connection listener in
 * the constructor. If `_http_common` disappears, LIST gets Node's usual 400 (fail safe: nothing else
 * changes).
 */
import type http from "node:http";
import type https from "node:https";
import { createRequire } from "node:module";
import type net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { ListMethodRewriter } from "./list-method.js";

type HttpServer = http.Server | https.Server;
type Listener = (...args: unknown[]) => void;

/** Decides whether a client error is a LIST this module takes over; true means it did. */
export type ClientErrorClaim = (err: Error, socket: Duplex) => boolean;

interface HttpCommon {
  freeParser(parser: unknown, req: unknown, socket: unknown): void;
}

/** Node's legacy `_http_common` module (the helper Node's upgrade path uses to release a socket). */
function loadHttpCommon(): HttpCommon | undefined {
  try {
    const mod = createRequire(import.meta.url)("_http_common") as Partial<HttpCommon>;
    return typeof mod.freeParser === "function" ? (mod as HttpCommon) : undefined;
  } catch {
    return undefined;
  }
}
const httpCommon = loadHttpCommon();

/** Input-side events whose listeners Node's server adds when it adopts a socket. */
const INPUT_EVENTS = ["data", "end", "timeout"] as const;
const L = 0x4c;
const I = 0x49;
const S = 0x53;
const L_BYTES = Buffer.from("L", "latin1");
const LI_BYTES = Buffer.from("LI", "latin1");

/** Per adopted socket: the listeners Node's connection listener added, per input event. */
const adopted = new WeakMap<Duplex, Map<string, Listener[]>>();
const claims = new WeakMap<HttpServer, ClientErrorClaim>();

/**
 * Makes `server` answer Vault's `LIST` as `GET <target>?list=true`. Call once, before `listen`. The
 * returned claim must be called from the server's client-error handler (Fastify: `clientErrorHandler`;
 * node:http: a `clientError` listener) before anything answers the error.
 */
export function installListMethod(server: HttpServer): ClientErrorClaim {
  const existing = claims.get(server);
  if (existing) return existing;
  // Plaintext reaches an https.Server's HTTP side on "secureConnection", not on the TCP "connection".
  const event = server instanceof tls.Server ? "secureConnection" : "connection";
  let before = new Map<string, Listener[]>();
  // Around Node's own listener (registered in the server's constructor): what it adds is the diff.
  server.prependListener(event, (socket: Duplex) => {
    before = listenersOf(socket);
  });
  server.on(event, (socket: Duplex) => {
    if (socket instanceof ListBridge) return;
    const after = listenersOf(socket);
    const added = new Map<string, Listener[]>();
    for (const [name, fns] of after) {
      const old = new Set(before.get(name));
      added.set(
        name,
        fns.filter((fn) => !old.has(fn)),
      );
    }
    adopted.set(socket, added);
  });
  const claim: ClientErrorClaim = (err, socket) => takeOver(server, event, err, socket);
  claims.set(server, claim);
  return claim;
}

function listenersOf(socket: Duplex): Map<string, Listener[]> {
  return new Map(INPUT_EVENTS.map((name) => [name, socket.listeners(name) as Listener[]]));
}

function takeOver(server: HttpServer, event: string, err: Error, socket: Duplex): boolean {
  const e = err as Error & { code?: unknown; rawPacket?: unknown; bytesParsed?: unknown };
  if (e.code !== "HPE_INVALID_METHOD" || !Buffer.isBuffer(e.rawPacket)) return false;
  if (typeof e.bytesParsed !== "number" || socket instanceof ListBridge || socket.destroyed) return false;
  const own = adopted.get(socket);
  const parser = (socket as { parser?: unknown }).parser;
  const head = listStart(e.rawPacket, e.bytesParsed);
  if (!httpCommon || !own || !parser || !head) return false;
  adopted.delete(socket);
  try {
    for (const [name, fns] of own) for (const fn of fns) socket.removeListener(name, fn);
    httpCommon.freeParser(parser, null, socket);
    bridge(server, event, socket as net.Socket, head);
  } catch {
    socket.destroy(); // half taken over is no state to serve from
  }
  return true;
}

/**
 * The LIST request's bytes so far, from its first byte, given the chunk llhttp failed on and the
 * offset of the failing "S". When a TCP read ended inside the method ("L|IST", "LI|ST"), the chunk
 * starts after "L" or "LI": those prefixes are restored. (A garbage method that shares the failure
 * point, such as "UNL|IST", cannot be told apart there; it is read as LIST. Both need a TCP segment
 * boundary inside the method.)
 */
export function listStart(raw: Buffer, at: number): Buffer | undefined {
  if (raw[at] !== S) return undefined;
  if (at >= 2 && raw[at - 2] === L && raw[at - 1] === I) return raw.subarray(at - 2);
  if (at === 1 && raw[0] === I) return Buffer.concat([L_BYTES, raw]);
  if (at === 0) return Buffer.concat([LI_BYTES, raw]);
  return undefined;
}

function bridge(server: HttpServer, event: string, socket: net.Socket, head: Buffer): void {
  const rewriter = new ListMethodRewriter();
  const wire = new ListBridge(socket);
  let queued: Buffer[] | null = [];
  let ended = false;
  const deliver = (bytes: Buffer): void => {
    if (bytes.length === 0) return;
    if (queued) queued.push(bytes);
    else if (!wire.push(bytes)) socket.pause();
  };
  deliver(rewriter.write(head));
  // The 'data' listener also switches the socket to flowing mode through JS.
  socket.on("data", (chunk: Buffer) => deliver(rewriter.write(chunk)));
  socket.on("end", () => {
    deliver(rewriter.end());
    ended = true;
    if (!queued) wire.push(null);
  });
  socket.on("error", (cause: Error) => wire.destroy(cause));
  socket.on("close", () => wire.destroy());
  socket.on("timeout", () => wire.emit("timeout"));
  socket.pause(); // until the bridge starts
  whenIdle(socket, () => {
    if (socket.destroyed) return;
    // Node's keep-alive timer for the old side may be armed: the bridge's own server logic rules now.
    socket.setTimeout(0);
    server.emit(event, wire);
    const pending = queued ?? [];
    queued = null;
    for (const bytes of pending) deliver(bytes);
    if (ended) wire.push(null);
    else socket.resume();
  });
}

/** Runs `start` exactly once, as soon as no response of the old HTTP side is in flight on `socket`. */
function whenIdle(socket: net.Socket, start: () => void): void {
  let started = false;
  const check = (): void => {
    if (started) return;
    const current = (socket as { _httpMessage?: http.ServerResponse | null })._httpMessage;
    if (current) {
      // "finish" and "close" both come for a response; `started` keeps the second from starting twice.
      const next = (): void => process.nextTick(check);
      current.once("finish", next);
      current.once("close", next);
      return;
    }
    started = true;
    start();
  };
  check();
}

/**
 * A Duplex over the real socket, handed to the HTTP server after a LIST. Reads come from `bridge`;
 * writes, timeouts and socket facts (addresses, TLS state) go to and come from the real socket.
 */
export class ListBridge extends Duplex {
  readonly encrypted: boolean | undefined;

  constructor(private readonly socket: net.Socket) {
    super({ allowHalfOpen: true });
    if (socket instanceof tls.TLSSocket) this.encrypted = true;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }
  get authorized(): boolean | undefined {
    return this.socket instanceof tls.TLSSocket ? this.socket.authorized : undefined;
  }
  getPeerCertificate(detailed?: boolean): tls.PeerCertificate | undefined {
    return this.socket instanceof tls.TLSSocket ? this.socket.getPeerCertificate(detailed) : undefined;
  }
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms);
    if (callback) this.once("timeout", callback);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.socket.setKeepAlive(enable, initialDelay);
    return this;
  }

  override _read(): void {
    this.socket.resume();
  }
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.socket.write(chunk, encoding, callback);
  }
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (err?: Error | null) => void,
  ): void {
    this.socket.cork();
    chunks.forEach(({ chunk, encoding }, i) => {
      if (i === chunks.length - 1) this.socket.write(chunk, encoding, callback);
      else this.socket.write(chunk, encoding);
    });
    this.socket.uncork();
  }
  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end(() => callback());
  }
  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.socket.destroy(err ?? undefined);
    callback(err);
  }
}
