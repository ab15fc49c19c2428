// An acknowledged write survives kill -9 of the real server process; config errors are one clear line.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { api } from "./helpers/server.js";
import { runSecrethub, spawnServer } from "./helpers/process.js";

const dir = mkdtempSync(join(tmpdir(), "secrethub-durability-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("durability and start-up", () => {
  it("keeps acknowledged writes across kill -9 and a restart", async () => {
    const config = join(dir, "server.hcl");
    writeFileSync(
      config,
      `storage "sqlite" { path = "${join(dir, "data.db")}" }\nlistener "tcp" { address = "127.0.0.1:0"  tls_disable = true }\napi_addr = "http://127.0.0.1:8200"\n`,
    );
    const first = await spawnServer([`-config=${config}`]);
    const init = await api(first.url, "PUT", "sys/init", { body: { secret_shares: 1, secret_threshold: 1 } });
    const key = init.body.keys[0] as string;
    const root = init.body.root_token as string;
    await api(first.url, "PUT", "sys/unseal", { body: { key } });
    for (let i = 0; i < 20; i++) {
      const w = await api(first.url, "PUT", `secret/data/durable/${i}`, {
        token: root,
        body: { data: { i } },
      });
      expect(w.status).toBe(200);
    }
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));

    const second = await spawnServer([`-config=${config}`]);
    try {
      expect((await api(second.url, "GET", "sys/seal-status")).body).toMatchObject({
        initialized: true,
        sealed: true,
      });
      await api(second.url, "PUT", "sys/unseal", { body: { key } });
      for (let i = 0; i < 20; i++) {
        const r = await api(second.url, "GET", `secret/data/durable/${i}`, { token: root });
        expect(r.body.data.data).toEqual({ i });
      }
    } finally {
      second.child.kill("SIGTERM");
      await new Promise((r) => second.child.once("exit", r));
    }
  });

  it("PORT overrides the file and dev mode prints the unseal key and root token", async () => {
    const dev = await spawnServer(["-dev"], { PORT: "0" }, /Root Token: /);
    try {
      expect(dev.output()).toMatch(/Unseal Key: \S+/);
      const root = /Root Token: (hvs\.\S+)/.exec(dev.output())?.[1];
      expect(root).toBeTruthy();
      expect((await api(dev.url, "GET", "auth/token/lookup-self", { token: root! })).status).toBe(200);
    } finally {
      dev.child.kill("SIGTERM");
      await new Promise((r) => dev.child.once("exit", r));
    }
  });

  it("invalid configuration stops start-up with one clear line", async () => {
    const bad = join(dir, "bad.hcl");
    writeFileSync(bad, `storage "mysql" { path = "x" }\n`);
    const r = await runSecrethub(["server", `-config=${bad}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain('unknown storage type "mysql"');
    const port = await runSecrethub(["server", "-dev"], { PORT: "notaport" });
    expect(port.code).not.toBe(0);
    expect(port.stderr).toContain("PORT");
  });
});
