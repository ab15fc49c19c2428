// Kubernetes auth over real HTTP, against a loopback HTTPS API server speaking TokenReview: the
// runbook's `vault write auth/kubernetes/config|role/...` steps (every value a string, as the CLI
// sends them), then a pod's login.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";
import { startFakeApiServer, type FakeApiServer } from "./kube-apiserver.js";

describe("kubernetes auth over HTTP", () => {
  let s: TestServer;
  let kube: FakeApiServer;
  beforeAll(async () => {
    [s, kube] = await Promise.all([startServer(), startFakeApiServer()]);
    expect(
      (await api(s.url, "POST", "sys/auth/kubernetes", { token: s.rootToken, body: { type: "kubernetes" } }))
        .status,
    ).toBe(204);
  });
  afterAll(async () => {
    await s.close();
    await kube.close();
  });

  it("configures as in the runbook and logs a bound service account in", async () => {
    const t = s.rootToken;
    const config = await api(s.url, "PUT", "auth/kubernetes/config", {
      token: t,
      headers: { "x-vault-request": "true" },
      body: {
        token_reviewer_jwt: kube.reviewerToken,
        kubernetes_host: kube.url,
        kubernetes_ca_cert: kube.caCert,
      },
    });
    expect(config.status).toBe(204);
    const read = await api(s.url, "GET", "auth/kubernetes/config", { token: t });
    expect(read.body.data.kubernetes_host).toBe(kube.url);
    expect(read.text).not.toContain(kube.reviewerToken);
    const role = await api(s.url, "PUT", "auth/kubernetes/role/xaheen-cli", {
      token: t,
      body: {
        bound_service_account_names: "xaheen-cli",
        bound_service_account_namespaces: "xaheen-production",
        policies: "xaheen-cli",
        ttl: "24h",
      },
    });
    expect(role.status).toBe(204);

    const jwt = await kube.issue({ namespace: "xaheen-production", name: "xaheen-cli", uid: "uid-42" });
    const login = await api(s.url, "POST", "auth/kubernetes/login", { body: { role: "xaheen-cli", jwt } });
    expect(login.status).toBe(200);
    expect(login.body.auth).toMatchObject({
      policies: ["default", "xaheen-cli"],
      lease_duration: 86400,
      metadata: {
        role: "xaheen-cli",
        service_account_name: "xaheen-cli",
        service_account_namespace: "xaheen-production",
        service_account_uid: "uid-42",
      },
    });
    const self = await api(s.url, "GET", "auth/token/lookup-self", { token: login.body.auth.client_token });
    expect(self.body.data.display_name).toBe("kubernetes-xaheen-production-xaheen-cli");
  });

  it("refuses other service accounts, deleted ones and unknown roles", async () => {
    const other = await kube.issue({ namespace: "default", name: "xaheen-cli" });
    const denied = await api(s.url, "POST", "auth/kubernetes/login", {
      body: { role: "xaheen-cli", jwt: other },
    });
    expect(denied.status).toBe(403);
    const gone = await kube.issue({ namespace: "xaheen-production", name: "xaheen-cli" });
    kube.deleteAccount("xaheen-production", "xaheen-cli");
    expect(
      (await api(s.url, "POST", "auth/kubernetes/login", { body: { role: "xaheen-cli", jwt: gone } })).status,
    ).toBe(403);
    const unknown = await api(s.url, "POST", "auth/kubernetes/login", { body: { role: "nope", jwt: gone } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ errors: ['invalid role name "nope"'] });
  });
});
