import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { StorageView } from "../../core/request.js";
import { backendCaller, rejection } from "../../../test/helpers/backend.js";
import { PrefixedView } from "../../core/view.js";
import { BackendRouter } from "../../framework/backend.js";
import { MemoryStorage } from "../../storage/memory.js";
import { jwtBackend } from "./index.js";

const ISSUER = "https://token.actions.githubusercontent.com";

function setup() {
  const clock = new ManualClock(Date.now());
  const router = new BackendRouter(jwtBackend({ clock }));
  const storage: StorageView = new PrefixedView(new MemoryStorage(), "");
  const call = backendCaller(router, storage, { path: "auth/jwt/", type: "jwt" });
  return { clock, router, call };
}

interface Signer {
  key: CryptoKey;
  kid: string;
  jwk: JWK;
  pem: string;
}

async function signer(kid: string, alg = "RS256"): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    key: privateKey,
    kid,
    jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" },
    pem: await exportSPKI(publicKey),
  };
}

/** A GitHub Actions-shaped OIDC token. */
function ciToken(
  s: Signer,
  claims: Record<string, unknown> = {},
  opts: { aud?: string | string[]; iss?: string; exp?: string | number } = {},
) {
  return new SignJWT({
    repository: "acme/payments",
    repository_owner: "acme",
    ref: "refs/heads/main",
    actor: "octocat",
    environment: "production",
    nested: { team: "core" },
    ...claims,
  })
    .setProtectedHeader({ alg: "RS256", kid: s.kid })
    .setIssuer(opts.iss ?? ISSUER)
    .setSubject("repo:acme/payments:ref:refs/heads/main")
    .setAudience(opts.aud ?? "https://github.com/acme")
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? "5m")
    .sign(s.key);
}

const ciRole = {
  role_type: "jwt",
  bound_audiences: "https://github.com/acme",
  bound_claims: { repository: "acme/payments", ref: ["refs/heads/main", "refs/heads/release"] },
  user_claim: "actor",
  claim_mappings: { repository: "repository", "/nested/team": "team" },
  token_policies: "ci-deploy",
  token_ttl: "15m",
};

describe("jwt backend", () => {
  let primary: Signer;
  let jwksServer: Server;
  let jwksUrl = "";
  const served: JWK[] = [];
  let fetches = 0;

  beforeAll(async () => {
    primary = await signer("key-1");
    served.push(primary.jwk);
    jwksServer = createServer((req, res) => {
      fetches += 1;
      res.writeHead(req.url === "/.well-known/jwks" ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

  it("routes sample URLs and only login is unauthenticated", () => {
    const { router } = setup();
    expect(router.match("config")?.spec.pattern).toBe("config");
    expect(router.match("role/ci")?.spec.pattern).toBe("role/:name");
    expect(router.isUnauthenticated("login")).toBe(true);
    expect(router.isUnauthenticated("role/ci")).toBe(false);
  });

  it("needs exactly one key source and refuses what it cannot honour", async () => {
    const s = setup();
    expect(await rejection(s.call("update", "config", {}))).toBeInstanceOf(BadRequest);
    expect(
      await rejection(
        s.call("update", "config", { jwks_url: jwksUrl, jwt_validation_pubkeys: [primary.pem] }),
      ),
    ).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("update", "config", { oidc_discovery_url: ISSUER }))).toBeInstanceOf(
      BadRequest,
    );
    expect(await rejection(s.call("update", "config", { jwt_validation_pubkeys: ["junk"] }))).toBeInstanceOf(
      BadRequest,
    );
    expect(
      await rejection(
        s.call("update", "config", { jwt_validation_pubkeys: [primary.pem], jwt_supported_algs: ["HS256"] }),
      ),
    ).toBeInstanceOf(BadRequest);
    await s.call("update", "config", { jwt_validation_pubkeys: primary.pem, bound_issuer: ISSUER });
    expect((await s.call("read", "config"))?.data).toMatchObject({
      jwt_validation_pubkeys: [primary.pem],
      bound_issuer: ISSUER,
    });
    expect(
      await rejection(s.call("update", "role/x", { role_type: "oidc", user_claim: "sub" })),
    ).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("update", "role/x", {}))).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("read", "role/x"))).toBeInstanceOf(NotFound);
  });

  it("logs a CI job in with bound audience, issuer and claims, mapping claims to metadata", async () => {
    const s = setup();
    await s.call("update", "config", { jwt_validation_pubkeys: [primary.pem], bound_issuer: ISSUER });
    await s.call("update", "role/ci", ciRole);
    expect((await s.call("read", "role/ci"))?.data).toMatchObject({
      bound_audiences: ["https://github.com/acme"],
      bound_claims: { repository: ["acme/payments"], ref: ["refs/heads/main", "refs/heads/release"] },
      user_claim: "actor",
      token_policies: ["ci-deploy"],
      token_ttl: 900,
    });
    const res = await s.call("update", "login", { role: "ci", jwt: await ciToken(primary) });
    expect(res?.authGrant).toMatchObject({
      policies: ["ci-deploy"],
      ttlSeconds: 900,
      displayName: "octocat",
      aliasName: "octocat",
      metadata: { role: "ci", repository: "acme/payments", team: "core" },
    });
  });

  it("refuses tokens that fail any check, with a reason but no secrets", async () => {
    const s = setup();
    await s.call("update", "config", { jwt_validation_pubkeys: [primary.pem], bound_issuer: ISSUER });
    await s.call("update", "role/ci", ciRole);
    const login = async (jwt: string) =>
      (await rejection(s.call("update", "login", { role: "ci", jwt }))).message;
    expect(await login(await ciToken(primary, {}, { aud: "https://github.com/evil" }))).toMatch(
      /^error validating token: .*aud/,
    );
    expect(await login(await ciToken(primary, {}, { iss: "https://evil.example" }))).toMatch(/iss/);
    expect(await login(await ciToken(primary, { repository: "acme/other" }))).toMatch(
      /"repository" does not match/,
    );
    expect(await login(await ciToken(primary, { ref: "refs/heads/feature" }))).toMatch(
      /"ref" does not match/,
    );
    expect(await login(await ciToken(primary, { actor: undefined }))).toMatch(/"actor" not found/);
    const other = await signer("key-1");
    expect(await login(await ciToken(other))).toBe("error validating token: failed to verify signature");
    const expired = await ciToken(primary, {}, { exp: Math.floor(s.clock.now() / 1000) + 60 });
    s.clock.advance(60 + 60 + 150 + 1);
    expect(await login(expired)).toBe("error validating token: token is expired");
    const hs = await new SignJWT({ actor: "x" })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new Uint8Array(32));
    expect(await login(hs)).toMatch(/^error validating token/);
    expect((await rejection(s.call("update", "login", { role: "nope", jwt: hs }))).message).toBe(
      'role "nope" could not be found',
    );
    expect((await rejection(s.call("update", "login", { role: "ci" }))).message).toBe("missing jwt");
  });

  it("supports glob and list bound claims, bound_subject, and refuses unbound audiences", async () => {
    const s = setup();
    await s.call("update", "config", { jwt_validation_pubkeys: [primary.pem], default_role: "globbed" });
    await s.call("update", "role/globbed", {
      bound_audiences: ["https://github.com/acme"],
      bound_claims: { repository: "acme/*", "/nested/team": "co*" },
      bound_claims_type: "glob",
      bound_subject: "repo:acme/payments:ref:refs/heads/main",
      user_claim: "/nested/team",
    });
    const res = await s.call("update", "login", {
      jwt: await ciToken(primary, { repository: "acme/anything" }),
    });
    expect(res?.authGrant?.aliasName).toBe("core");
    await s.call("update", "role/listy", {
      bound_audiences: "https://github.com/acme",
      bound_claims: { groups: "admins" },
      user_claim: "sub",
    });
    expect(
      (
        await s.call("update", "login", {
          role: "listy",
          jwt: await ciToken(primary, { groups: ["devs", "admins"] }),
        })
      )?.authGrant,
    ).toBeDefined();
    expect(
      await rejection(
        s.call("update", "login", { role: "listy", jwt: await ciToken(primary, { groups: ["devs"] }) }),
      ),
    ).toBeInstanceOf(BadRequest);
    await s.call("update", "role/noaud", { user_claim: "sub" });
    expect(
      (await rejection(s.call("update", "login", { role: "noaud", jwt: await ciToken(primary) }))).message,
    ).toMatch(/no audiences bound to the role/);
    await s.call("update", "role/subject", {
      user_claim: "sub",
      bound_audiences: "https://github.com/acme",
      bound_subject: "repo:acme/other",
    });
    expect(
      (await rejection(s.call("update", "login", { role: "subject", jwt: await ciToken(primary) }))).message,
    ).toMatch(/sub/);
  });

  it("fetches keys from a JWKS URL, caches them, and refetches once for a rotated key", async () => {
    const s = setup();
    await s.call("update", "config", { jwks_url: jwksUrl, bound_issuer: ISSUER });
    await s.call("update", "role/ci", ciRole);
    const start = fetches;
    await s.call("update", "login", { role: "ci", jwt: await ciToken(primary) });
    await s.call("update", "login", { role: "ci", jwt: await ciToken(primary) });
    expect(fetches - start).toBe(1);
    const rotated = await signer("key-2");
    served.push(rotated.jwk);
    s.clock.advance(11);
    expect(
      (await s.call("update", "login", { role: "ci", jwt: await ciToken(rotated) }))?.authGrant,
    ).toBeDefined();
    expect(fetches - start).toBe(2);
    // Junk key ids cannot make every login hit the issuer.
    const stranger = await signer("key-unknown");
    for (let i = 0; i < 3; i++) {
      expect(
        await rejection(s.call("update", "login", { role: "ci", jwt: await ciToken(stranger) })),
      ).toBeInstanceOf(BadRequest);
    }
    expect(fetches - start).toBe(2);
  });

  it("reports an unreachable JWKS URL as an upstream failure", async () => {
    const s = setup();
    await s.call("update", "config", { jwks_url: "http://127.0.0.1:1/jwks" });
    await s.call("update", "role/ci", ciRole);
    expect(
      await rejection(s.call("update", "login", { role: "ci", jwt: await ciToken(primary) })),
    ).toMatchObject({ status: 502 });
  });
});
