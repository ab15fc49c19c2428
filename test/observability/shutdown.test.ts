// Graceful shutdown of the real executable (issue #5): on SIGTERM the server stops accepting
// connections, finishes the request in flight (here a KV write whose body is still arriving), then
// exits 0 after closing audit and storage.
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { spawnServer, type ServerProcess } from "../helpers/process.js";

let server: ServerProcess | undefined;
afterEach(() => {
  if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
  server = undefined;
});

function exited(p: ServerProcess): Promise<number | null> {
  if (p.child.exitCode !== null) return Promise.resolve(p.child.exitCode);
  return new Promise((resolve) => p.child.once("exit", (code) => resolve(code)));
}

async function waitFor(test: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("SIGTERM", () => {
  it("finishes an in-flight request, refuses new connections, and exits 0", async () => {
    server = await spawnServer(
      ["-dev", "-dev-listen-address=127.0.0.1:0"],
      { LOG_LEVEL: "info" },
      /secrethub login hvs\.\S+/,
    );
    const p = server;
    const token = /Root Token: (hvs\.\S+)/.exec(p.output())?.[1] ?? "";
    const url = new URL(p.url);
    const body = JSON.stringify({ data: { note: "x".repeat(2000) } });
    const half = Math.floor(body.length / 2);

    // Start a write and send only half of its body: the request is in flight.
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: "PUT",
          path: "/v1/secret/data/inflight",
          headers: {
            "x-vault-token": token,
            "content-type": "application/json",
            "content-length": body.length,
          },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, half));
      setTimeout(() => {
        p.child.kill("SIGTERM");
        void waitFor(() => p.output().includes("shutting down"), "shutdown to begin").then(async () => {
          // While draining, the listening socket is closed: a new client is refused.
          await expect(fetch(`${p.url}/health`)).rejects.toThrow();
          req.end(body.slice(half));
        }, reject);
      }, 300);
    });

    const done = await response;
    expect(done.status).toBe(200);
    expect(JSON.parse(done.text).data.version).toBe(1);
    expect(await exited(p)).toBe(0);
    expect(p.output()).toContain("SIGTERM: shutting down");
    expect(p.output()).toContain("Shutdown complete.");
    // The request was logged as one structured line, without the token or the path.
    const line = p
      .output()
      .split("\n")
      .find((l) => l.includes('"method":"PUT"') && l.includes('"mount":"secret/"'));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ level: "info", operation: "create", status: 200 });
    expect(line).not.toContain(token);
    expect(line).not.toContain("inflight");
  });

  it("exits 0 on SIGINT when idle", async () => {
    server = await spawnServer(["-dev", "-dev-listen-address=127.0.0.1:0"], {}, /secrethub login hvs\.\S+/);
    server.child.kill("SIGINT");
    expect(await exited(server)).toBe(0);
    expect(server.output()).toContain("Shutdown complete.");
  });
});
