// Runbooks 000/004, Kubernetes auth steps, with the `secrethub` CLI in place of `vault`:
//   auth enable kubernetes; write auth/kubernetes/config ... kubernetes_ca_cert=@ca.crt;
//   policy write ... -; write auth/kubernetes/role/... policies=... ttl=24h;
//   auth -method=kubernetes role=... jwt=<service-account token>   (the legacy verb they use)
// against a loopback HTTPS API server that speaks Kubernetes' TokenReview wire format.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeApiServer, type FakeApiServer } from "../auth/kube-apiserver.js";
import { makeCli, type Cli } from "../cli/harness.js";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("runbook: Kubernetes auth with the CLI", () => {
  let s: TestServer;
  let kube: FakeApiServer;
  let cli: Cli;
  beforeAll(async () => {
    [s, kube] = await Promise.all([startServer(), startFakeApiServer()]);
    cli = makeCli({ SECRETHUB_ADDR: s.url, SECRETHUB_TOKEN: s.rootToken });
  });
  afterAll(async () => {
    cli.cleanup();
    await s.close();
    await kube.close();
  });

  it("configures kubernetes auth and a pod logs in with its service-account token", async () => {
    const ca = join(s.dataDir, "ca.crt");
    writeFileSync(ca, kube.caCert);
    const reviewer = join(s.dataDir, "token");
    writeFileSync(reviewer, kube.reviewerToken);
    expect((await cli.run(["auth", "enable", "kubernetes"])).code).toBe(0);
    const config = await cli.run([
      "write",
      "auth/kubernetes/config",
      `token_reviewer_jwt=@${reviewer}`,
      `kubernetes_host=${kube.url}`,
      `kubernetes_ca_cert=@${ca}`,
    ]);
    expect(config.code, config.stderr).toBe(0);
    const policy =
      'path "secret/data/production/tenants/*" {\n  capabilities = ["create", "read", "update", "delete", "list"]\n}\n';
    expect((await cli.run(["policy", "write", "valuecanvas-production", "-"], { stdin: policy })).code).toBe(
      0,
    );
    const role = await cli.run([
      "write",
      "auth/kubernetes/role/valuecanvas-production",
      "bound_service_account_names=valuecanvas",
      "bound_service_account_namespaces=production",
      "policies=valuecanvas-production",
      "ttl=24h",
    ]);
    expect(role.code, role.stderr).toBe(0);

    const jwt = await kube.issue({ namespace: "production", name: "valuecanvas" });
    const pod = makeCli({ SECRETHUB_ADDR: s.url });
    try {
      const login = await pod.run([
        "auth",
        "-method=kubernetes",
        "role=valuecanvas-production",
        `jwt=${jwt}`,
      ]);
      expect(login.code, login.stderr).toBe(0);
      const put = await pod.run(["kv", "put", "secret/production/tenants/acme", "db_password=from-a-pod"]);
      expect(put.code, put.stderr).toBe(0);
      const other = await pod.run(["kv", "get", "secret/staging/x"]);
      expect(other.code).toBe(1);
    } finally {
      pod.cleanup();
    }
    const wrongNs = await kube.issue({ namespace: "staging", name: "valuecanvas" });
    const refused = await api(s.url, "POST", "auth/kubernetes/login", {
      body: { role: "valuecanvas-production", jwt: wrongNs },
    });
    expect(refused.status).toBe(403); // Vault: "namespace not authorized" is a permission error
  });
});
