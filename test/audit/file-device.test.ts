// The file audit device end to end: Vault-compatible sys/audit, Vault-format HMAC'd entries, the hash
// chain verified by the server and by `secrethub audit verify`, and devices surviving seal/unseal.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAuditVerify } from "../../src/audit/verify-command.js";
import { runSecrethub } from "../helpers/process.js";
import { api, startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "correct-horse-battery-staple-42";

function entries(file: string): Record<string, any>[] {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe("file audit device", () => {
  let s: TestServer;
  let log: string;
  let child = "";
  let childAccessor = "";
  beforeAll(async () => {
    s = await startServer();
    log = join(s.dataDir, "audit.log");
  });
  afterAll(() => s.close());

  it("is enabled, listed and disabled through Vault's sys/audit API (sudo)", async () => {
    const t = s.rootToken;
    const enabled = await api(s.url, "PUT", "sys/audit/file", {
      token: t,
      body: { type: "file", description: "main log", options: { file_path: log } },
    });
    expect(enabled.status).toBe(204);
    const listed = await api(s.url, "GET", "sys/audit", { token: t });
    const expected = {
      type: "file",
      description: "main log",
      options: { file_path: log },
      local: false,
      path: "file/",
    };
    expect(listed.body.data).toEqual({ "file/": expected });
    expect(listed.body["file/"]).toEqual(expected);
    expect(listed.text).not.toContain("salt");
    const dup = await api(s.url, "PUT", "sys/audit/file", {
      token: t,
      body: { type: "file", options: { file_path: log } },
    });
    expect(dup.status).toBe(400);
    const bad = await api(s.url, "PUT", "sys/audit/bad", { token: t, body: { type: "syslog" } });
    expect(bad.status).toBe(400);
    await api(s.url, "PUT", "sys/audit/extra", {
      token: t,
      body: { type: "file", options: { file_path: "discard" } },
    });
    expect((await api(s.url, "DELETE", "sys/audit/extra", { token: t })).status).toBe(204);
    expect((await api(s.url, "DELETE", "sys/audit/never-enabled", { token: t })).status).toBe(204);
    expect(Object.keys((await api(s.url, "GET", "sys/audit", { token: t })).body.data)).toEqual(["file/"]);
  });

  it("requires sudo for sys/audit, even with every other capability", async () => {
    const t = s.rootToken;
    await api(s.url, "PUT", "sys/policies/acl/auditor", {
      token: t,
      body: { policy: 'path "sys/audit*" { capabilities = ["create", "read", "update", "delete", "list"] }' },
    });
    const created = await api(s.url, "POST", "auth/token/create", {
      token: t,
      body: { policies: ["auditor"] },
    });
    const auditor = created.body.auth.client_token as string;
    expect((await api(s.url, "GET", "sys/audit", { token: auditor })).status).toBe(403);
    expect((await api(s.url, "GET", "sys/audit/events", { token: auditor })).status).toBe(403);
    expect((await api(s.url, "GET", "sys/audit/verify/file", { token: auditor })).status).toBe(403);
    // audit-hash needs only the path's capability, as in Vault.
    const hashed = await api(s.url, "PUT", "sys/audit-hash/file", { token: auditor, body: { input: "x" } });
    expect(hashed.status).toBe(200);
  });

  it("never writes a stored secret, a token or an accessor in clear", async () => {
    const t = s.rootToken;
    await api(s.url, "PUT", "secret/data/app/db", {
      token: t,
      body: { data: { username: "app", password: PASSWORD } },
    });
    const read = await api(s.url, "GET", "secret/data/app/db", { token: t });
    expect(read.body.data.data.password).toBe(PASSWORD);
    const created = await api(s.url, "POST", "auth/token/create", {
      token: t,
      body: { policies: ["default"], display_name: "ci-bot" },
    });
    child = created.body.auth.client_token;
    childAccessor = created.body.auth.accessor;
    await api(s.url, "GET", "auth/token/lookup-self", { token: child });
    await api(s.url, "POST", "auth/token/lookup", { token: t, body: { token: child } });
    await api(s.url, "GET", "secret/data/app/db", { token: child }); // denied
    const text = readFileSync(log, "utf8");
    for (const secret of [PASSWORD, s.rootToken, child, childAccessor]) expect(text).not.toContain(secret);
    expect(text).toMatch(/hmac-sha256:[0-9a-f]{64}/);
  });

  it("writes Vault-format request and response entries, with denied requests and their errors", () => {
    const all = entries(log);
    expect(all.every((e) => e.type === "request" || e.type === "response")).toBe(true);
    const readResponse = all.find(
      (e) =>
        e.type === "response" && e.request.path === "secret/data/app/db" && e.request.operation === "read",
    );
    expect(readResponse).toMatchObject({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      auth: {
        display_name: "root",
        policies: ["root"],
        client_token: expect.stringMatching(/^hmac-sha256:/),
      },
      request: {
        id: expect.any(String),
        operation: "read",
        mount_type: "kv",
        mount_point: "secret/",
        namespace: { id: "root" },
        remote_address: "127.0.0.1",
      },
      response: { data: { data: { username: expect.stringMatching(/^hmac-sha256:/) } } },
      error: "",
    });
    const request = all.find((e) => e.type === "request" && e.request.id === readResponse?.request.id);
    expect(request?.response).toBeUndefined();
    const denied = all.filter(
      (e) => e.auth.display_name === "token-ci-bot" && e.request.path === "secret/data/app/db",
    );
    expect(denied.map((e) => e.type)).toEqual(["request", "response"]);
    expect(denied[1]).toMatchObject({ error: "permission denied", response: { status_code: 403 } });
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
  });

  it("sys/audit-hash gives the HMAC the log holds for a known value", async () => {
    const t = s.rootToken;
    const pw = await api(s.url, "POST", "sys/audit-hash/file", { token: t, body: { input: PASSWORD } });
    expect(pw.status).toBe(200);
    expect(pw.body.data.hash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(pw.body.hash).toBe(pw.body.data.hash);
    const write = entries(log).find((e) => e.type === "request" && e.request.path === "secret/data/app/db");
    expect(write?.request.data.data.password).toBe(pw.body.data.hash);
    const tok = await api(s.url, "POST", "sys/audit-hash/file", { token: t, body: { input: child } });
    expect(entries(log).some((e) => e.auth.client_token === tok.body.data.hash)).toBe(true);
    expect((await api(s.url, "POST", "sys/audit-hash/none", { token: t, body: { input: "x" } })).status).toBe(
      400,
    );
  });

  it("verifies the chain on the server and offline, and names the line that was tampered with", async () => {
    const t = s.rootToken;
    const server = await api(s.url, "GET", "sys/audit/verify/file", { token: t });
    expect(server.body.data).toMatchObject({ intact: true, first_seq: 1, checkpoint: { status: "matched" } });
    const cp = await api(s.url, "GET", "sys/audit/checkpoint/file", { token: t });
    expect(cp.body.data).toMatchObject({
      seq: expect.any(Number),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const cpFile = join(s.dataDir, "checkpoint.json");
    writeFileSync(cpFile, cp.text);

    const original = readFileSync(log, "utf8");
    const copy = join(s.dataDir, "copy.log");
    const lines = original.trimEnd().split("\n");
    const offline = async (content: string[]) => {
      writeFileSync(copy, `${content.join("\n")}\n`);
      let stdout = "";
      const code = await runAuditVerify([`-checkpoint-file=${cpFile}`, "-format=json", copy], {
        stdout: (x) => (stdout += x),
        stderr: (x) => (stdout += x),
      });
      return { code, stdout };
    };
    // The real executable, once: intact with the server's checkpoint.
    writeFileSync(copy, original);
    const cli = await runSecrethub(["audit", "verify", `-checkpoint-file=${cpFile}`, copy]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(
      /^Audit log intact: \d+ entries \(seq 1-\d+\); checkpoint seq \d+ matched\.$/m,
    );

    const edited = [...lines];
    edited[4] = (edited[4] ?? "").replace('"remote_address":"127.0.0.1"', '"remote_address":"10.9.9.9"');
    const e = await offline(edited);
    expect(e.code).toBe(2);
    expect(JSON.parse(e.stdout)).toMatchObject({ intact: false, problem: "modified", line: 5 });

    const deleted = lines.filter((_, i) => i !== 6);
    expect(JSON.parse((await offline(deleted)).stdout)).toMatchObject({ problem: "missing", line: 7 });

    const reordered = [...lines];
    [reordered[2], reordered[3]] = [reordered[3] ?? "", reordered[2] ?? ""];
    expect(JSON.parse((await offline(reordered)).stdout)).toMatchObject({ problem: "reordered", line: 3 });

    const inserted = [...lines];
    inserted.splice(8, 0, lines[1] ?? "");
    expect(JSON.parse((await offline(inserted)).stdout)).toMatchObject({ problem: "inserted", line: 9 });

    const truncated = await offline(lines.slice(0, -3));
    expect(truncated.code).toBe(2);
    expect(JSON.parse(truncated.stdout)).toMatchObject({ problem: "truncated" });

    // Tampering with the live file is found by the server too.
    writeFileSync(log, original.replace('"operation":"update"', '"operation":"read"'));
    const broken = await api(s.url, "GET", "sys/audit/verify/file", { token: t });
    expect(broken.body.data).toMatchObject({ intact: false, problem: "modified" });
  });

  it("keeps the device, its salt and its chain across seal and unseal", async () => {
    const t = s.rootToken;
    const fresh = join(s.dataDir, "fresh.log");
    await api(s.url, "PUT", "sys/audit/fresh", {
      token: t,
      body: { type: "file", options: { file_path: fresh } },
    });
    const before = await api(s.url, "PUT", "sys/audit-hash/fresh", { token: t, body: { input: "x" } });
    expect((await api(s.url, "PUT", "sys/seal", { token: t })).status).toBe(204);
    expect((await api(s.url, "PUT", "sys/unseal", { body: { key: s.unsealKeys[0] } })).status).toBe(200);
    expect(Object.keys((await api(s.url, "GET", "sys/audit", { token: t })).body.data)).toEqual([
      "file/",
      "fresh/",
    ]);
    const after = await api(s.url, "PUT", "sys/audit-hash/fresh", { token: t, body: { input: "x" } });
    expect(after.body.data.hash).toBe(before.body.data.hash);
    await api(s.url, "GET", "secret/data/app/db", { token: t });
    const verified = await api(s.url, "GET", "sys/audit/verify/fresh", { token: t });
    expect(verified.body.data).toMatchObject({
      intact: true,
      first_seq: 1,
      checkpoint: { status: "matched" },
    });
    // Sealing checkpoints the head first; unseal's response is the first entry after the reload.
    expect(entries(fresh).map((e) => `${e.type} ${e.request.path}`)).toEqual([
      "response sys/audit/fresh",
      "request sys/audit-hash/fresh",
      "response sys/audit-hash/fresh",
      "request sys/seal",
      "response sys/unseal",
      "request sys/audit",
      "response sys/audit",
      "request sys/audit-hash/fresh",
      "response sys/audit-hash/fresh",
      "request secret/data/app/db",
      "response secret/data/app/db",
      "request sys/audit/verify/fresh",
      "response sys/audit/verify/fresh",
    ]);
  });
});
