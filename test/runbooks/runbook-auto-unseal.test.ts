/**
 * Runbook 001, phases 2.3 and 4.3: the operator sets AUTO_UNSEAL_ENABLED=true and AWS_KMS_KEY_ID on
 * each core instance and restarts the service; "Vault will auto-unseal on startup using KMS".
 * Run with the real executable and exactly those variables, against a fake KMS that speaks the real
 * wire protocol (AWS cannot be reached from here; AWS_KMS_ENDPOINT points the SDK at the fake).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeKms, type FakeKms } from "../helpers/fake-kms.js";
import { spawnServer, type ServerProcess } from "../helpers/process.js";
import { api } from "../helpers/server.js";

let kms: FakeKms;
const dir = mkdtempSync(join(tmpdir(), "secrethub-runbook-kms-"));

beforeAll(async () => {
  kms = await startFakeKms({ region: "us-east-1", keyId: "abc-123" });
});
afterAll(async () => {
  await kms.close();
  rmSync(dir, { recursive: true, force: true });
});

async function stop(p: ServerProcess): Promise<void> {
  const exited = new Promise((r) => p.child.once("exit", r));
  p.child.kill("SIGTERM");
  await exited;
}

describe("runbook 001: auto-unseal with AWS KMS", () => {
  it("AUTO_UNSEAL_ENABLED=true + AWS_KMS_KEY_ID: the restarted service unseals itself", async () => {
    const config = join(dir, "core.hcl");
    writeFileSync(
      config,
      `storage "sqlite" { path = "${join(dir, "core.db")}" }\nlistener "tcp" { address = "127.0.0.1:0" }\n`,
    );
    const env = {
      AUTO_UNSEAL_ENABLED: "true",
      AWS_KMS_KEY_ID: kms.keyArn, // arn:aws:kms:us-east-1:<account>:key/abc-123, as in the runbook
      AWS_KMS_ENDPOINT: kms.url,
      AWS_ACCESS_KEY_ID: kms.accessKeyId,
      AWS_SECRET_ACCESS_KEY: kms.secretAccessKey,
      AWS_REGION: "",
      AWS_EC2_METADATA_DISABLED: "true", // no instance-metadata lookups from a test machine
      LOG_LEVEL: "info",
    };
    const first = await spawnServer([`-config=${config}`], env, /Auto-unseal: awskms[\s\S]*operator init/);
    expect(first.output()).toContain("Auto-unseal: awskms");
    const init = await api(first.url, "POST", "sys/init", {
      body: { recovery_shares: 5, recovery_threshold: 3 },
    });
    expect(init.status).toBe(200);
    expect(init.body.recovery_keys).toHaveLength(5);
    const token = init.body.root_token as string;
    await stop(first);

    // "sudo systemctl restart secrethub-core": same environment, no unseal step.
    const second = await spawnServer([`-config=${config}`], env, /auto-unseal: unsealed/);
    const status = await api(second.url, "GET", "sys/seal-status");
    expect(status.body).toMatchObject({ sealed: false, type: "awskms", recovery_seal: true, t: 3, n: 5 });
    expect((await api(second.url, "GET", "sys/health")).status).toBe(200);
    // The region came from the key's ARN (AWS_REGION is empty), and every call was signed for it.
    expect(kms.calls.length).toBeGreaterThan(0);
    expect(kms.calls.every((c) => c.region === "us-east-1" && c.status === 200)).toBe(true);
    expect(second.output()).not.toContain(token);
    await stop(second);
  });

  it("AUTO_UNSEAL_ENABLED=true without AWS_KMS_KEY_ID stops start-up with one clear line", async () => {
    await expect(
      spawnServer([`-config=${join(dir, "core.hcl")}`], { AUTO_UNSEAL_ENABLED: "true", AWS_KMS_KEY_ID: "" }),
    ).rejects.toThrow(/auto-unseal needs a KMS key: set AWS_KMS_KEY_ID/);
  });
});
