// JWT auth over real HTTP: a CI job's OIDC-style token verified against a loopback JWKS endpoint.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

const ISSUER = "https://token.actions.githubusercontent.com";

describe("jwt auth over HTTP", () => {
  let s: TestServer;
  let jwks: Server;
  let url = "";
  let key: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    key = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "ci-1", alg: "ES256", use: "sig" };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    s = await startServer();
    await api(s.url, "POST", "sys/auth/jwt", { token: s.rootToken, body: { type: "jwt" } });
  });
  afterAll(async () => {
    await s.close();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  });

  const token = (claims: Record<string, unknown>) =>
    new SignJWT({ repository: "acme/payments", actor: "octocat", ...claims })
      .setProtectedHeader({ alg: "ES256", kid: "ci-1" })
      .setIssuer(ISSUER)
      .setAudience("secrethub")
      .setSubject("repo:acme/payments:environment:production")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(key);

  it("logs a CI job in with bound claims and maps claims into metadata", async () => {
    const t = s.rootToken;
    expect(
      (
        await api(s.url, "POST", "auth/jwt/config", {
          token: t,
          body: { jwks_url: url, bound_issuer: ISSUER },
        })
      ).status,
    ).toBe(204);
    const role = await api(s.url, "POST", "auth/jwt/role/deploy", {
      token: t,
      body: {
        role_type: "jwt",
        bound_audiences: ["secrethub"],
        bound_claims: { repository: "acme/payments" },
        user_claim: "actor",
        claim_mappings: { repository: "repository" },
        token_policies: ["deploy"],
        token_ttl: "10m",
      },
    });
    expect(role.status).toBe(204);
    const login = await api(s.url, "POST", "auth/jwt/login", {
      body: { role: "deploy", jwt: await token({}) },
    });
    expect(login.status).toBe(200);
    expect(login.body.auth).toMatchObject({
      policies: ["default", "deploy"],
      lease_duration: 600,
      metadata: { role: "deploy", repository: "acme/payments" },
    });
    const other = await api(s.url, "POST", "auth/jwt/login", {
      body: { role: "deploy", jwt: await token({ repository: "evil/fork" }) },
    });
    expect(other.status).toBe(400);
    expect(other.body.errors[0]).toMatch(/^error validating token: claim "repository"/);
  });
});
