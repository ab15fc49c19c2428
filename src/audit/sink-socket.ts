/**
 * The `socket` device: JSON lines over TCP (default) or a unix socket, or one datagram per entry over
 * UDP, as Vault's socket device. A connection that fails is dropped and dialled again once per
 * write; a write that does not complete within `write_timeout` fails.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { isIP, createConnection, type Socket } from "node:net";
import type { ChainedEntry } from "./hash-chain.js";
import type { AuditSink } from "./sink.js";

export type SocketType = "tcp" | "udp" | "unix";

export interface SocketSinkOptions {
  readonly address: string;
  readonly socketType: SocketType;
  readonly writeTimeoutMs: number;
  readonly prefix: string;
}

/** "host:port" or "[v6]:port" into its parts; throws on anything else. */
export function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  const port = Number(address.slice(i + 1));
  let host = address.slice(0, i);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535 || host === "") {
    throw new Error(`invalid socket address "${address}": expected host:port`);
  }
  return { host, port };
}

function withTimeout(
  ms: number,
  what: string,
  run: (done: (err?: Error | null) => void) => void,
  onTimeout: () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`audit socket: ${what} timed out`));
    }, ms);
    run((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
}

export class SocketSink implements AuditSink {
  private stream: Socket | undefined;
  private udp: UdpSocket | undefined;

  constructor(private readonly o: SocketSinkOptions) {
    if (o.socketType !== "unix") hostPort(o.address);
  }

  async open(): Promise<undefined> {
    if (this.o.socketType === "udp") this.udpSocket();
    else await this.connect();
    return undefined;
  }

  async write(entries: readonly ChainedEntry[]): Promise<void> {
    if (this.o.socketType === "udp") {
      for (const e of entries) await this.sendDatagram(`${this.o.prefix}${e.json}`);
      return;
    }
    const data = entries.map((e) => `${this.o.prefix}${e.json}\n`).join("");
    try {
      await this.writeStream(data);
    } catch {
      // One reconnect per write: a peer that restarted between two requests is not an outage.
      this.drop();
      await this.writeStream(data);
    }
  }

  close(): Promise<void> {
    this.drop();
    const udp = this.udp;
    this.udp = undefined;
    if (!udp) return Promise.resolve();
    return new Promise((resolve) => udp.close(() => resolve()));
  }

  private async writeStream(data: string): Promise<void> {
    const socket = this.stream && !this.stream.destroyed ? this.stream : await this.connect();
    await withTimeout(
      this.o.writeTimeoutMs,
      "write",
      (done) => socket.write(data, done),
      () => this.drop(),
    );
  }

  private async connect(): Promise<Socket> {
    this.drop();
    const target = this.o.socketType === "unix" ? { path: this.o.address } : hostPort(this.o.address);
    const socket = createConnection(target);
    socket.setNoDelay(true);
    // Errors surface through the pending write; a dead socket is replaced on the next write.
    socket.on("error", () => socket.destroy());
    // The peer never talks back; drain anything it sends so the socket does not stall.
    socket.resume();
    await withTimeout(
      this.o.writeTimeoutMs,
      "connect",
      (done) => {
        socket.once("connect", () => done());
        socket.once("error", (err) => done(err));
      },
      () => socket.destroy(),
    );
    this.stream = socket;
    return socket;
  }

  private drop(): void {
    this.stream?.destroy();
    this.stream = undefined;
  }

  private udpSocket(): UdpSocket {
    if (this.udp) return this.udp;
    const { host } = hostPort(this.o.address);
    const udp = createSocket(isIP(host) === 6 ? "udp6" : "udp4");
    udp.on("error", () => undefined);
    udp.unref();
    this.udp = udp;
    return udp;
  }

  private async sendDatagram(line: string): Promise<void> {
    const { host, port } = hostPort(this.o.address);
    const udp = this.udpSocket();
    await withTimeout(
      this.o.writeTimeoutMs,
      "send",
      (done) => udp.send(line, port, host, (err) => done(err)),
      () => undefined,
    );
  }
}
