// Fail closed: once a device is enabled, a request that no device can record is refused with a 500
// and nothing of its result; a write is not applied. Tests run as root, so permissions cannot block
// the file: the audit directory is removed, or the file is replaced by a directory.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

const SECRET = "fail-closed-secret-value";

describe("fail-closed auditing", () => {
  let s: TestServer;
  let logs: string;
  let log: string;
  let limited = "";
  beforeAll(async () => {
    s = await startServer();
    logs = join(s.dataDir, "logs");
    log = join(logs, "audit.log");
    mkdirSync(logs);
  });
  afterAll(() => s.close());

  it("serves requests when the device can record them", async () => {
    const t = s.rootToken;
    const enabled = await api(s.url, "PUT", "sys/audit/file", {
      token: t,
      body: { type: "file", options: { file_path: log } },
    });
    expect(enabled.status).toBe(204);
    await api(s.url, "PUT", "secret/data/app", { token: t, body: { data: { value: SECRET } } });
    expect((await api(s.url, "GET", "secret/data/app", { token: t })).body.data.data.value).toBe(SECRET);
    const created = await api(s.url, "POST", "auth/token/create", {
      token: t,
      body: { policies: ["default"] },
    });
    limited = created.body.auth.client_token;
    expect((await api(s.url, "GET", "secret/data/app", { token: limited })).status).toBe(403);
  });

  it("refuses reads with a 500 and returns nothing once the audit directory is gone", async () => {
    const t = s.rootToken;
    rmSync(logs, { recursive: true });
    const read = await api(s.url, "GET", "secret/data/app", { token: t });
    expect(read.status).toBe(500);
    expect(read.body).toEqual({ errors: [expect.stringMatching(/audit/)] });
    expect(read.text).not.toContain(SECRET);
    // Denied requests are refused the same way: they could not be recorded either.
    expect((await api(s.url, "GET", "secret/data/app", { token: limited })).status).toBe(500);
  });

  it("does not apply a refused write", async () => {
    const t = s.rootToken;
    const write = await api(s.url, "PUT", "secret/data/app", {
      token: t,
      body: { data: { value: "changed" } },
    });
    expect(write.status).toBe(500);
    mkdirSync(logs);
    const read = await api(s.url, "GET", "secret/data/app", { token: t });
    expect(read.status).toBe(200);
    expect(read.body.data.data.value).toBe(SECRET);
    expect(read.body.data.metadata.version).toBe(1);
  });

  it("refuses requests when the file is replaced by a directory", async () => {
    const t = s.rootToken;
    rmSync(log);
    mkdirSync(log);
    const read = await api(s.url, "GET", "secret/data/app", { token: t });
    expect(read.status).toBe(500);
    expect(read.text).not.toContain(SECRET);
    rmSync(log, { recursive: true });
    expect((await api(s.url, "GET", "secret/data/app", { token: t })).status).toBe(200);
  });

  it("serves while a second device can still record, and refuses to enable a device that cannot open", async () => {
    const t = s.rootToken;
    const backup = join(s.dataDir, "backup.log");
    await api(s.url, "PUT", "sys/audit/backup", {
      token: t,
      body: { type: "file", options: { file_path: backup } },
    });
    rmSync(logs, { recursive: true });
    const read = await api(s.url, "GET", "secret/data/app", { token: t });
    expect(read.status).toBe(200);
    expect(readFileSync(backup, "utf8")).toContain('"path":"secret/data/app"');
    const below = await api(s.url, "PUT", "sys/audit/below", {
      token: t,
      body: { type: "file", options: { file_path: join(backup, "audit.log") } },
    });
    expect(below.status).toBe(400);
    expect(below.body.errors[0]).toMatch(/could not be opened/);
  });
});
