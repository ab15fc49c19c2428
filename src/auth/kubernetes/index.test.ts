import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeApiServer, type FakeApiServer } from "../../../test/auth/kube-apiserver.js";
import { ManualClock } from "../../core/clock.js";
import { BadRequest, NotFound, PermissionDenied, SecretHubError } from "../../core/errors.js";
import type { StorageView } from "../../core/request.js";
import { backendCaller, rejection } from "../../../test/helpers/backend.js";
import { PrefixedView } from "../../core/view.js";
import { BackendRouter } from "../../framework/backend.js";
import { MemoryStorage } from "../../storage/memory.js";
import { kubernetesBackend } from "./index.js";

function setup(serviceAccountDir = "/nonexistent/serviceaccount") {
  const router = new BackendRouter(
    kubernetesBackend({ clock: new ManualClock(Date.now()) }, { serviceAccountDir }),
  );
  const storage: StorageView = new PrefixedView(new MemoryStorage(), "");
  const call = backendCaller(router, storage, { path: "auth/kubernetes/", type: "kubernetes" });
  return { router, call };
}

/** The runbook's role, sent as the CLI sends it: every value a string. */
const runbookRole = {
  bound_service_account_names: "valuecanvas",
  bound_service_account_namespaces: "production",
  policies: "valuecanvas-production",
  ttl: "24h",
};

describe("kubernetes backend", () => {
  let kube: FakeApiServer;
  beforeAll(async () => {
    kube = await startFakeApiServer();
  });
  afterAll(() => kube.close());

  const configure = (s: ReturnType<typeof setup>, extra: Record<string, unknown> = {}) =>
    s.call("update", "config", {
      kubernetes_host: kube.url,
      kubernetes_ca_cert: kube.caCert,
      token_reviewer_jwt: kube.reviewerToken,
      ...extra,
    });

  it("routes sample URLs and only login is unauthenticated", () => {
    const { router } = setup();
    expect(router.match("config")?.spec.pattern).toBe("config");
    expect(router.match("role")?.spec.pattern).toBe("role");
    expect(router.match("role/app")?.spec.pattern).toBe("role/:name");
    expect(router.isUnauthenticated("login")).toBe(true);
    expect(router.isUnauthenticated("config")).toBe(false);
  });

  it("stores the config without ever returning the reviewer JWT, and validates it", async () => {
    const s = setup();
    expect(await rejection(s.call("read", "config"))).toBeInstanceOf(NotFound);
    expect(await rejection(s.call("update", "config", {}))).toBeInstanceOf(BadRequest);
    expect(
      await rejection(s.call("update", "config", { kubernetes_host: kube.url, kubernetes_ca_cert: "junk" })),
    ).toBeInstanceOf(BadRequest);
    expect(
      await rejection(s.call("update", "config", { kubernetes_host: kube.url, pem_keys: ["junk"] })),
    ).toBeInstanceOf(BadRequest);
    await configure(s);
    const read = await s.call("read", "config");
    expect(read?.data).toMatchObject({
      kubernetes_host: kube.url,
      kubernetes_ca_cert: kube.caCert,
      pem_keys: [],
      disable_local_ca_jwt: false,
      token_reviewer_jwt_set: true,
    });
    expect(JSON.stringify(read)).not.toContain(kube.reviewerToken);
    await s.call("update", "config", { kubernetes_host: "kubernetes.default.svc:443" });
    expect((await s.call("read", "config"))?.data?.kubernetes_host).toBe(
      "https://kubernetes.default.svc:443",
    );
  });

  it("accepts the runbook's role with policies/ttl aliases and reads it back", async () => {
    const s = setup();
    await s.call("update", "role/valuecanvas-production", runbookRole);
    expect((await s.call("read", "role/valuecanvas-production"))?.data).toMatchObject({
      bound_service_account_names: ["valuecanvas"],
      bound_service_account_namespaces: ["production"],
      token_policies: ["valuecanvas-production"],
      policies: ["valuecanvas-production"],
      token_ttl: 86400,
      ttl: 86400,
      audience: "",
      alias_name_source: "serviceaccount_uid",
    });
    expect((await s.call("list", "role"))?.data).toEqual({ keys: ["valuecanvas-production"] });
    expect(
      await rejection(s.call("update", "role/empty", { bound_service_account_names: "x" })),
    ).toBeInstanceOf(BadRequest);
    expect(
      await rejection(
        s.call("update", "role/wide", {
          bound_service_account_names: "*,x",
          bound_service_account_namespaces: "*",
        }),
      ),
    ).toBeInstanceOf(BadRequest);
    await s.call("delete", "role/valuecanvas-production");
    expect(await rejection(s.call("read", "role/valuecanvas-production"))).toBeInstanceOf(NotFound);
  });

  it("logs a bound service account in through TokenReview, in Kubernetes' wire format", async () => {
    const s = setup();
    await configure(s);
    await s.call("update", "role/vc", runbookRole);
    const jwt = await kube.issue({ namespace: "production", name: "valuecanvas", uid: "sa-uid-1" });
    const before = kube.reviews.length;
    const res = await s.call("update", "login", { role: "vc", jwt });
    expect(res?.authGrant).toMatchObject({
      policies: ["valuecanvas-production"],
      ttlSeconds: 86400,
      displayName: "production-valuecanvas",
      aliasName: "sa-uid-1",
      metadata: {
        role: "vc",
        service_account_name: "valuecanvas",
        service_account_namespace: "production",
        service_account_uid: "sa-uid-1",
      },
    });
    const review = kube.reviews[before];
    expect(review?.bearer).toBe(kube.reviewerToken);
    expect(review?.body).toEqual({
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token: jwt },
    });
    expect(review?.status).toBe(201);
  });

  it("refuses accounts outside the role's bounds, and honours globs", async () => {
    const s = setup();
    await configure(s);
    await s.call("update", "role/vc", runbookRole);
    const otherNs = await kube.issue({ namespace: "staging", name: "valuecanvas" });
    const otherName = await kube.issue({ namespace: "production", name: "intruder" });
    expect((await rejection(s.call("update", "login", { role: "vc", jwt: otherNs }))).message).toBe(
      "namespace not authorized",
    );
    expect((await rejection(s.call("update", "login", { role: "vc", jwt: otherName }))).message).toBe(
      "service account name not authorized",
    );
    await s.call("update", "role/globbed", {
      bound_service_account_names: "intr*",
      bound_service_account_namespaces: "prod*",
    });
    expect((await s.call("update", "login", { role: "globbed", jwt: otherName }))?.authGrant).toBeDefined();
    expect((await rejection(s.call("update", "login", { role: "nope", jwt: otherName }))).message).toBe(
      'invalid role name "nope"',
    );
    expect((await rejection(s.call("update", "login", { role: "vc" }))).message).toBe("missing jwt");
    expect(await rejection(s.call("update", "login", { role: "vc", jwt: "not-a-jwt" }))).toBeInstanceOf(
      PermissionDenied,
    );
  });

  it("refuses a deleted service account and a forged token, as TokenReview says", async () => {
    const s = setup();
    await configure(s);
    await s.call("update", "role/any", {
      bound_service_account_names: "*",
      bound_service_account_namespaces: "*",
    });
    const doomed = await kube.issue({ namespace: "ns", name: "doomed" });
    expect((await s.call("update", "login", { role: "any", jwt: doomed }))?.authGrant).toBeDefined();
    kube.deleteAccount("ns", "doomed");
    expect(await rejection(s.call("update", "login", { role: "any", jwt: doomed }))).toBeInstanceOf(
      PermissionDenied,
    );
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({
      "kubernetes.io": { namespace: "ns", serviceaccount: { name: "x", uid: "u" } },
    })
      .setProtectedHeader({ alg: "RS256" })
      .sign(privateKey);
    expect(await rejection(s.call("update", "login", { role: "any", jwt: forged }))).toBeInstanceOf(
      PermissionDenied,
    );
  });

  it("uses the client's own JWT as the bearer when no reviewer JWT is configured", async () => {
    const s = setup();
    await s.call("update", "config", { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caCert });
    await s.call("update", "role/any", {
      bound_service_account_names: "*",
      bound_service_account_namespaces: "*",
    });
    const jwt = await kube.issue({ namespace: "ns", name: "self", legacy: true });
    const before = kube.reviews.length;
    const res = await s.call("update", "login", { role: "any", jwt });
    expect(res?.authGrant?.metadata).toMatchObject({ service_account_secret_name: "self-token-abcde" });
    expect(kube.reviews[before]?.bearer).toBe(jwt);
  });

  it("falls back to the pod's own CA and token unless disable_local_ca_jwt", async () => {
    const dir = mkdtempSync(join(tmpdir(), "secrethub-sa-"));
    try {
      writeFileSync(join(dir, "ca.crt"), kube.caCert);
      writeFileSync(join(dir, "token"), `${kube.reviewerToken}\n`);
      const s = setup(dir);
      await s.call("update", "config", { kubernetes_host: kube.url });
      await s.call("update", "role/any", {
        bound_service_account_names: "*",
        bound_service_account_namespaces: "*",
      });
      const jwt = await kube.issue({ namespace: "ns", name: "pod" });
      const before = kube.reviews.length;
      expect((await s.call("update", "login", { role: "any", jwt }))?.authGrant).toBeDefined();
      expect(kube.reviews[before]?.bearer).toBe(kube.reviewerToken);
      // Without the local CA the self-signed API server cannot be trusted: an upstream failure (502).
      await s.call("update", "config", { disable_local_ca_jwt: true });
      const err = await rejection(s.call("update", "login", { role: "any", jwt }));
      expect(err).toBeInstanceOf(SecretHubError);
      expect(err).toMatchObject({ status: 502 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("checks the role's audience locally and asks TokenReview for it", async () => {
    const s = setup();
    await configure(s);
    await s.call("update", "role/aud", {
      bound_service_account_names: "*",
      bound_service_account_namespaces: "*",
      audience: "vault",
    });
    const without = await kube.issue({ namespace: "ns", name: "a" });
    expect((await rejection(s.call("update", "login", { role: "aud", jwt: without }))).message).toBe(
      "invalid audience (aud) claim",
    );
    const withAud = await kube.issue({ namespace: "ns", name: "a", audiences: ["vault"] });
    const before = kube.reviews.length;
    expect((await s.call("update", "login", { role: "aud", jwt: withAud }))?.authGrant).toBeDefined();
    expect(kube.reviews[before]?.body).toMatchObject({ spec: { token: withAud, audiences: ["vault"] } });
  });

  it("verifies signatures locally with pem_keys before asking the API server", async () => {
    const s = setup();
    await configure(s, { pem_keys: [kube.signingKeyPem] });
    await s.call("update", "role/any", {
      bound_service_account_names: "*",
      bound_service_account_namespaces: "*",
    });
    const good = await kube.issue({ namespace: "ns", name: "signed" });
    expect((await s.call("update", "login", { role: "any", jwt: good }))?.authGrant).toBeDefined();
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({
      "kubernetes.io": { namespace: "ns", serviceaccount: { name: "signed", uid: "u" } },
    })
      .setProtectedHeader({ alg: "RS256" })
      .setExpirationTime("1h")
      .sign(privateKey);
    const before = kube.reviews.length;
    expect(await rejection(s.call("update", "login", { role: "any", jwt: forged }))).toBeInstanceOf(
      PermissionDenied,
    );
    expect(kube.reviews.length).toBe(before);

    // pem_keys alone (no API server): local verification is the whole check.
    const local = setup();
    await local.call("update", "config", { pem_keys: [kube.signingKeyPem] });
    await local.call("update", "role/any", {
      bound_service_account_names: "*",
      bound_service_account_namespaces: "*",
    });
    expect((await local.call("update", "login", { role: "any", jwt: good }))?.authGrant).toBeDefined();
    const expired = await kube.issue({ namespace: "ns", name: "signed", expiresInSeconds: -10 });
    expect(await rejection(local.call("update", "login", { role: "any", jwt: expired }))).toBeInstanceOf(
      PermissionDenied,
    );
  });

  it("validates the issuer when asked to", async () => {
    const s = setup();
    await configure(s, {
      disable_iss_validation: false,
      issuer: "https://kubernetes.default.svc.cluster.local",
    });
    await s.call("update", "role/any", {
      bound_service_account_names: "*",
      bound_service_account_namespaces: "*",
    });
    expect(
      (await s.call("update", "login", { role: "any", jwt: await kube.issue({ namespace: "n", name: "a" }) }))
        ?.authGrant,
    ).toBeDefined();
    const other = await kube.issue({ namespace: "n", name: "a", issuer: "https://elsewhere" });
    expect((await rejection(s.call("update", "login", { role: "any", jwt: other }))).message).toBe(
      "invalid issuer (iss) claim",
    );
  });

  it("reports an unreachable API server as an upstream failure, not a failed login", async () => {
    const s = setup();
    await s.call("update", "config", {
      kubernetes_host: "https://127.0.0.1:1",
      kubernetes_ca_cert: kube.caCert,
    });
    await s.call("update", "role/any", {
      bound_service_account_names: "*",
      bound_service_account_namespaces: "*",
    });
    const err = await rejection(
      s.call("update", "login", { role: "any", jwt: await kube.issue({ namespace: "n", name: "a" }) }),
    );
    expect(err).toMatchObject({ status: 502 });
  });
});
