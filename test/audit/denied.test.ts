// Denied attempts are evidence too: a request with a missing or forged token is written to the audit
// log (with its error, the token only as an HMAC), and is refused outright when no device can record it.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("audit of denied requests", () => {
  let s: TestServer;
  let log: string;
  beforeAll(async () => {
    s = await startServer();
    mkdirSync(join(s.dataDir, "audit"));
    log = join(s.dataDir, "audit", "denied.log");
    const r = await api(s.url, "PUT", "sys/audit/file", {
      token: s.rootToken,
      body: { type: "file", options: { file_path: log } },
    });
    expect(r.status).toBe(204);
  });
  afterAll(() => s.close());

  it("records a forged-token attempt without the token in clear", async () => {
    const forged = "hvs.FORGEDforgedFORGEDforged01";
    const r = await api(s.url, "GET", "secret/data/crown-jewels", { token: forged });
    expect(r.status).toBe(403);
    const text = readFileSync(log, "utf8");
    expect(text).not.toContain(forged);
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const denied = lines.filter((e) => e.request?.path === "secret/data/crown-jewels");
    expect(denied.map((e) => e.type)).toEqual(["request", "response"]);
    expect(denied[1].error).toBe("permission denied");
    expect(denied[0].auth?.client_token ?? "").toMatch(/^hmac-sha256:/);
  });

  it("refuses a forged-token attempt when the device cannot record it", async () => {
    rmSync(join(s.dataDir, "audit"), { recursive: true, force: true });
    const r = await api(s.url, "GET", "secret/data/crown-jewels", { token: "hvs.another-forgery-0000000" });
    expect(r.status).toBe(500);
  });
});
