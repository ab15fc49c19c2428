/**
 * Auto-unseal through AWS KMS (runbook 001, phase 4.3), against a loopback fake that speaks KMS's
 * real wire protocol (AWS JSON 1.1, SigV4-signed requests, real AES-GCM with encryption context):
 * the server is driven through its HTTP API, restarted on the same SQLite file, and the key
 * service is taken down to prove the node stays sealed and recovers on its own.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeCli } from "../cli/harness.js";
import { startFakeKms, type FakeKms } from "../helpers/fake-kms.js";
import { api, startServer, type TestServer } from "../helpers/server.js";

let kms: FakeKms;
const saved: Record<string, string | undefined> = {};
const dir = mkdtempSync(join(tmpdir(), "secrethub-autounseal-"));

beforeAll(async () => {
  kms = await startFakeKms();
  // The AWS SDK's default credential chain reads these, as on an operator's machine.
  for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_SESSION_TOKEN"]) {
    saved[k] = process.env[k];
  }
  process.env.AWS_ACCESS_KEY_ID = kms.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = kms.secretAccessKey;
  process.env.AWS_REGION = kms.region;
  delete process.env.AWS_SESSION_TOKEN;
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await kms.close();
  rmSync(dir, { recursive: true, force: true });
});

const servers: TestServer[] = [];
afterEach(async () => {
  kms.setDown(false);
  for (const s of servers.splice(0)) await s.running.close();
});

/** A server with auto-unseal on the given SQLite file, uninitialized unless the file says otherwise. */
async function boot(dbPath: string): Promise<TestServer> {
  const s = await startServer({
    uninitialized: true,
    env: { AUTO_UNSEAL_ENABLED: "true", AWS_KMS_KEY_ID: kms.keyArn, AWS_KMS_ENDPOINT: kms.url },
    configure: (c) => ({ ...c, storage: { type: "sqlite", path: dbPath } }),
  });
  servers.push(s);
  return s;
}

async function until(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sealed = async (url: string): Promise<boolean> =>
  (await api(url, "GET", "sys/seal-status")).body.sealed as boolean;

describe("auto-unseal with AWS KMS", () => {
  it("initializes with recovery keys, unseals itself, and again after a restart", async () => {
    const db = join(dir, "a.db");
    const s = await boot(db);
    const before = await api(s.url, "GET", "sys/seal-status");
    expect(before.body).toMatchObject({
      type: "awskms",
      recovery_seal: true,
      initialized: false,
      sealed: true,
    });

    const init = await api(s.url, "PUT", "sys/init", { body: { recovery_shares: 3, recovery_threshold: 2 } });
    expect(init.status).toBe(200);
    expect(init.body.keys).toEqual([]);
    expect(init.body.recovery_keys).toHaveLength(3);
    expect(init.body.recovery_keys_base64).toHaveLength(3);
    const root = init.body.root_token as string;
    // Unsealed by the key service, no shares entered.
    expect(await api(s.url, "GET", "sys/seal-status")).toMatchObject({
      body: { sealed: false, initialized: true, t: 2, n: 3, type: "awskms" },
    });
    expect(kms.calls.some((c) => c.target === "Encrypt")).toBe(true);
    expect(kms.calls.some((c) => c.target === "Decrypt")).toBe(true);
    expect(kms.calls.every((c) => c.region === kms.region)).toBe(true);

    const put = await api(s.url, "PUT", "secret/data/app", {
      token: root,
      body: { data: { pw: "kms-guarded" } },
    });
    expect(put.status).toBe(200);
    await s.running.close();
    servers.length = 0;
    // The file holds neither the secret nor anything a restart could unseal with on its own.
    const bytes = readFileSync(db);
    expect(bytes.includes(Buffer.from("kms-guarded"))).toBe(false);

    const again = await boot(db);
    await until(async () => !(await sealed(again.url)));
    const read = await api(again.url, "GET", "secret/data/app", { token: root });
    expect(read.body.data.data.pw).toBe("kms-guarded");
  });

  it("after a manual seal, recovery keys (and only right ones) authorize the unseal", async () => {
    const s = await boot(join(dir, "b.db"));
    const init = await api(s.url, "PUT", "sys/init", { body: { recovery_shares: 3, recovery_threshold: 2 } });
    const [k1, k2, k3] = init.body.recovery_keys as string[];
    const root = init.body.root_token as string;
    expect((await api(s.url, "PUT", "sys/seal", { token: root })).status).toBe(204);
    expect(await sealed(s.url)).toBe(true);

    // A share of another server's recovery key: the threshold is met but the key is wrong.
    const other = await boot(join(dir, "b-other.db"));
    const foreign = (
      await api(other.url, "PUT", "sys/init", { body: { recovery_shares: 3, recovery_threshold: 2 } })
    ).body.recovery_keys as string[];
    expect((await api(s.url, "PUT", "sys/unseal", { body: { key: k1 } })).body.progress).toBe(1);
    const wrong = await api(s.url, "PUT", "sys/unseal", { body: { key: foreign[1] } });
    expect(wrong.status).toBe(400);
    expect(await sealed(s.url)).toBe(true);

    expect((await api(s.url, "PUT", "sys/unseal", { body: { key: k2 } })).body).toMatchObject({
      progress: 1,
    });
    const done = await api(s.url, "PUT", "sys/unseal", { body: { key: k3 } });
    expect(done.body).toMatchObject({ sealed: false, progress: 0 });
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token: root })).status).toBe(200);
  });

  it("stays sealed while KMS is down and unseals by itself when it returns", async () => {
    const db = join(dir, "c.db");
    const s = await boot(db);
    const init = await api(s.url, "PUT", "sys/init", { body: { recovery_shares: 1, recovery_threshold: 1 } });
    expect(init.status).toBe(200);
    await s.running.close();
    servers.length = 0;

    kms.setDown(true);
    const again = await boot(db);
    await new Promise((r) => setTimeout(r, 300));
    expect(await sealed(again.url)).toBe(true);
    expect((await api(again.url, "GET", "sys/health")).status).toBe(503);
    kms.setDown(false);
    await until(async () => !(await sealed(again.url)));
    expect((await api(again.url, "GET", "sys/health")).status).toBe(200);
  });

  it("init fails cleanly while KMS is down, and can be retried", async () => {
    const s = await boot(join(dir, "d.db"));
    kms.setDown(true);
    const failed = await api(s.url, "PUT", "sys/init", {
      body: { recovery_shares: 1, recovery_threshold: 1 },
    });
    expect(failed.status).toBe(503);
    expect((await api(s.url, "GET", "sys/init")).body.initialized).toBe(false);
    kms.setDown(false);
    const ok = await api(s.url, "PUT", "sys/init", { body: { recovery_shares: 1, recovery_threshold: 1 } });
    expect(ok.status).toBe(200);
    expect(await sealed(s.url)).toBe(false);
  });

  it("the CLI prints recovery keys at init and the recovery seal in status", async () => {
    const s = await boot(join(dir, "f.db"));
    const cli = makeCli({ VAULT_ADDR: s.url });
    const init = await cli.run(["operator", "init", "-recovery-shares=2", "-recovery-threshold=2"]);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/^Recovery Key 1: \S+$/m);
    expect(init.stdout).toMatch(/^Recovery Key 2: \S+$/m);
    expect(init.stdout).not.toMatch(/Unseal Key/);
    expect(init.stdout).toMatch(/^Initial Root Token: hvs\.\S+$/m);
    const status = await cli.run(["status"]);
    expect(status.stdout).toMatch(/^Recovery Seal Type\s+awskms$/m);
    expect(status.stdout).toMatch(/^Total Recovery Shares\s+2$/m);
    expect(status.stdout).toMatch(/^Sealed\s+false$/m);
  });

  it("refuses to open Shamir-initialized storage with auto-unseal configured", async () => {
    const db = join(dir, "e.db");
    const shamir = await startServer({ configure: (c) => ({ ...c, storage: { type: "sqlite", path: db } }) });
    await shamir.running.close();
    await expect(boot(db)).rejects.toThrow(
      /initialized with the "shamir" seal but this server is configured for "awskms"/,
    );
  });
});
