import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { chainEntry, EMPTY_HEAD, type ChainedEntry } from "./hash-chain.js";
import { hostPort, SocketSink } from "./sink-socket.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function entries(n: number): ChainedEntry[] {
  const out: ChainedEntry[] = [];
  let head = EMPTY_HEAD;
  for (let i = 0; i < n; i++) {
    const c = chainEntry({ type: "request", i }, head);
    out.push(c);
    head = c;
  }
  return out;
}

/** A line collector listening on `target` (a port 0 TCP address or a unix path). */
async function listen(
  target: number | string,
): Promise<{ server: Server; lines: string[]; address: string; clients: Socket[] }> {
  const lines: string[] = [];
  const clients: Socket[] = [];
  let buffer = "";
  const server = createServer((socket) => {
    clients.push(socket);
    socket.on("data", (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      lines.push(...parts);
    });
  });
  await new Promise<void>((resolve) => server.listen(target, resolve));
  const addr = server.address();
  const address = typeof addr === "string" ? addr : `127.0.0.1:${addr?.port ?? 0}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        clients.forEach((c) => c.destroy());
        server.close(() => resolve());
      }),
  );
  return { server, lines, address, clients };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("SocketSink", () => {
  it("parses host:port addresses, IPv6 included", () => {
    expect(hostPort("127.0.0.1:9090")).toEqual({ host: "127.0.0.1", port: 9090 });
    expect(hostPort("[::1]:514")).toEqual({ host: "::1", port: 514 });
    for (const bad of ["nohost", ":80", "h:0", "h:99999", "h:x"]) expect(() => hostPort(bad)).toThrow();
  });

  it("streams prefixed JSON lines over TCP and reconnects after the peer drops it", async () => {
    const peer = await listen(0);
    const sink = new SocketSink({
      address: peer.address,
      socketType: "tcp",
      writeTimeoutMs: 2000,
      prefix: "p:",
    });
    cleanups.push(() => sink.close());
    expect(await sink.open()).toBeUndefined();
    const batch = entries(3);
    await sink.write(batch.slice(0, 2));
    await until(() => peer.lines.length === 2);
    peer.clients.forEach((c) => c.destroy());
    await new Promise((r) => setTimeout(r, 50));
    const last = batch.slice(2);
    await sink.write(last);
    await until(() => peer.lines.length === 3);
    expect(peer.lines).toEqual(batch.map((e) => `p:${e.json}`));
  });

  it("writes to a unix socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "secrethub-sock-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const peer = await listen(join(dir, "audit.sock"));
    const sink = new SocketSink({
      address: peer.address,
      socketType: "unix",
      writeTimeoutMs: 2000,
      prefix: "",
    });
    cleanups.push(() => sink.close());
    await sink.open();
    const batch = entries(2);
    await sink.write(batch);
    await until(() => peer.lines.length === 2);
    expect(peer.lines).toEqual(batch.map((e) => e.json));
  });

  it("sends one datagram per entry over UDP", async () => {
    const udp = createSocket("udp4");
    const got: string[] = [];
    udp.on("message", (m) => got.push(m.toString()));
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => udp.close(() => resolve())));
    const sink = new SocketSink({
      address: `127.0.0.1:${udp.address().port}`,
      socketType: "udp",
      writeTimeoutMs: 2000,
      prefix: "",
    });
    cleanups.push(() => sink.close());
    await sink.open();
    const batch = entries(2);
    await sink.write(batch);
    await until(() => got.length === 2);
    expect(got).toEqual(batch.map((e) => e.json));
  });

  it("fails to open, and to write, when nothing listens", async () => {
    const peer = await listen(0);
    const address = peer.address;
    await new Promise<void>((resolve) => peer.server.close(() => resolve()));
    const sink = new SocketSink({ address, socketType: "tcp", writeTimeoutMs: 500, prefix: "" });
    cleanups.push(() => sink.close());
    await expect(sink.open()).rejects.toThrow();
    await expect(sink.write(entries(1))).rejects.toThrow();
  });

  it("fails a write the peer does not take within write_timeout", async () => {
    const stalled: Socket[] = [];
    const server = createServer((socket) => {
      socket.pause(); // never reads: kernel buffers fill up
      stalled.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          stalled.forEach((c) => c.destroy());
          server.close(() => resolve());
        }),
    );
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const sink = new SocketSink({
      address: `127.0.0.1:${port}`,
      socketType: "tcp",
      writeTimeoutMs: 200,
      prefix: "",
    });
    cleanups.push(() => sink.close());
    await sink.open();
    const huge = chainEntry({ type: "request", blob: "x".repeat(64 << 20) }, EMPTY_HEAD);
    await expect(sink.write([huge])).rejects.toThrow(/timed out/);
  });
});
