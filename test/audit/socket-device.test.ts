// The socket audit device end to end: entries streamed over TCP as Vault-format JSON lines, secrets
// HMAC'd, and requests refused once the collector is gone and nothing else records them.
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

const SECRET = "socket-secret-3b9f";

describe("socket audit device", () => {
  let s: TestServer;
  let collector: Server;
  const clients: Socket[] = [];
  let received = "";
  let port = 0;
  beforeAll(async () => {
    s = await startServer();
    collector = createServer((c) => {
      clients.push(c);
      c.on("data", (d: Buffer) => (received += d.toString()));
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const addr = collector.address();
    port = typeof addr === "object" && addr ? addr.port : 0;
  });
  afterAll(async () => {
    clients.forEach((c) => c.destroy());
    collector.close();
    await s.close();
  });

  it("streams chained, HMAC'd JSON lines to the collector", async () => {
    const t = s.rootToken;
    const enabled = await api(s.url, "PUT", "sys/audit/siem", {
      token: t,
      body: {
        type: "socket",
        options: { address: `127.0.0.1:${port}`, socket_type: "tcp", prefix: "vault: " },
      },
    });
    expect(enabled.status).toBe(204);
    await api(s.url, "PUT", "secret/data/x", { token: t, body: { data: { v: SECRET } } });
    await api(s.url, "GET", "secret/data/x", { token: t });
    for (let i = 0; i < 100 && received.split("\n").length < 5; i++)
      await new Promise((r) => setTimeout(r, 10));
    const lines = received.trim().split("\n");
    expect(lines.every((l) => l.startsWith("vault: "))).toBe(true);
    const entries = lines.map((l) => JSON.parse(l.slice("vault: ".length)));
    expect(entries.map((e) => `${e.type} ${e.request.path}`)).toEqual([
      "response sys/audit/siem",
      "request secret/data/x",
      "response secret/data/x",
      "request secret/data/x",
      "response secret/data/x",
    ]);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(received).not.toContain(SECRET);
    expect(received).not.toContain(s.rootToken);
  });

  it("refuses requests when the collector is unreachable and no other device records", async () => {
    clients.forEach((c) => c.destroy());
    await new Promise<void>((resolve) => collector.close(() => resolve()));
    const read = await api(s.url, "GET", "secret/data/x", { token: s.rootToken });
    expect(read.status).toBe(500);
    expect(read.text).not.toContain(SECRET);
    const enable = await api(s.url, "PUT", "sys/audit/other", {
      token: s.rootToken,
      body: { type: "socket", options: { address: `127.0.0.1:${port}` } },
    });
    expect(enable.status).toBe(500);
  });
});
