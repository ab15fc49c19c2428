/**
 * The integration fixture: a real SecretHub server on a free loopback port over a temporary SQLite
 * file, initialized and unsealed through the real HTTP API (unless `uninitialized`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { loadConfig, type ServerConfig } from "../../src/server/config.js";
import { startServer as start, type RunningServer } from "../../src/server/main.js";

export interface TestServer {
  readonly url: string;
  readonly rootToken: string;
  readonly unsealKeys: string[];
  readonly dataDir: string;
  readonly dbPath: string;
  readonly running: RunningServer;
  close(): Promise<void>;
}

export interface TestServerOptions {
  uninitialized?: boolean;
  shares?: number;
  threshold?: number;
  env?: Record<string, string>;
  configure?: (c: ServerConfig) => ServerConfig;
}

export async function api(
  url: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${url}/v1/${path.replace(/^\/+/, "")}`, {
    method,
    headers: {
      ...(opts.token ? { "x-vault-token": opts.token } : {}),
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined
      ? { body: typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body) }
      : {}),
  });
  const text = await res.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

export async function startServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "secrethub-test-"));
  const dbPath = join(dataDir, "secrethub.db");
  let config = loadConfig({ env: { PORT: "0", ...opts.env } });
  config = {
    ...config,
    storage: { type: "sqlite", path: dbPath },
    listener: { ...config.listener, host: "127.0.0.1", port: 0 },
  };
  if (opts.configure) config = opts.configure(config);
  const running = await start(config, { logger: pino({ level: "silent" }) });
  const url = running.url;
  let rootToken = "";
  let unsealKeys: string[] = [];
  if (!opts.uninitialized) {
    const shares = opts.shares ?? 1;
    const threshold = opts.threshold ?? 1;
    const init = await api(url, "PUT", "sys/init", {
      body: { secret_shares: shares, secret_threshold: threshold },
    });
    if (init.status !== 200) throw new Error(`init failed: ${init.status} ${init.text}`);
    rootToken = init.body.root_token;
    unsealKeys = init.body.keys;
    for (const key of unsealKeys.slice(0, threshold)) {
      const r = await api(url, "PUT", "sys/unseal", { body: { key } });
      if (r.status !== 200) throw new Error(`unseal failed: ${r.status} ${r.text}`);
    }
  }
  return {
    url,
    rootToken,
    unsealKeys,
    dataDir,
    dbPath,
    running,
    close: async () => {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
