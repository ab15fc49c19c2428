/**
 * auth/jwt/login {role, jwt}: a workload (e.g. a CI job with a GitHub Actions OIDC token) presents a
 * JWT signed by a trusted issuer. The signature, issuer, audience, times, subject and bound claims are
 * all checked before the role's policies are granted; the user claim names the identity.
 */
import { createPublicKey } from "node:crypto";
import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from "jose";
import type { Clock } from "../../core/clock.js";
import { BadRequest } from "../../core/errors.js";
import type { Request, Response } from "../../core/request.js";
import { definePath, type PathSpec } from "../../framework/backend.js";
import { tokenGrant } from "../../framework/token-fields.js";
import { claimAt, claimMatches, scalarText } from "./claims.js";
import { ASYMMETRIC_ALGS, readConfig, type JwtConfig } from "./config.js";
import type { JwksCache } from "./jwks.js";
import { checkRoleName, readRole, type JwtRole } from "./path-role.js";

export interface LoginDeps {
  readonly clock: Clock;
  readonly jwks: JwksCache;
}

function invalid(reason: string): BadRequest {
  return new BadRequest(`error validating token: ${reason}`);
}

/** jose's messages name the failed check (never key material); anything else stays generic. */
function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "token is expired";
  if (
    err instanceof joseErrors.JWSSignatureVerificationFailed ||
    err instanceof joseErrors.JWKSNoMatchingKey
  ) {
    return "failed to verify signature";
  }
  if (err instanceof joseErrors.JOSEError) return err.message.slice(0, 200);
  return "invalid token";
}

async function verify(deps: LoginDeps, config: JwtConfig, role: JwtRole, jwt: string): Promise<JWTPayload> {
  const options: JWTVerifyOptions = {
    algorithms: config.supportedAlgs.length > 0 ? config.supportedAlgs : ASYMMETRIC_ALGS,
    currentDate: new Date(deps.clock.now()),
    clockTolerance: role.clockSkewLeeway + Math.max(role.expirationLeeway, role.notBeforeLeeway),
    ...(config.boundIssuer ? { issuer: config.boundIssuer } : {}),
    ...(role.boundAudiences.length > 0 ? { audience: role.boundAudiences } : {}),
  };
  if (config.jwksUrl) {
    const cached = await deps.jwks.keys(config.jwksUrl, config.jwksCaPem);
    try {
      return (await jwtVerify(jwt, cached, options)).payload;
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw invalid(describe(err));
    }
    // An unknown key id: the issuer may have rotated its keys since the last fetch.
    const refreshed = await deps.jwks.keys(config.jwksUrl, config.jwksCaPem, true);
    try {
      return (await jwtVerify(jwt, refreshed, options)).payload;
    } catch (err) {
      throw invalid(describe(err));
    }
  }
  let last: unknown;
  for (const pem of config.pubkeys) {
    try {
      return (await jwtVerify(jwt, createPublicKey(pem), options)).payload;
    } catch (err) {
      last = err;
      // A claim failure means the signature was good: no other key will do better.
      if (err instanceof joseErrors.JWTClaimValidationFailed || err instanceof joseErrors.JWTExpired) break;
    }
  }
  throw invalid(describe(last));
}

function checkClaims(role: JwtRole, payload: JWTPayload): void {
  if (role.boundAudiences.length === 0 && payload.aud !== undefined) {
    throw invalid("audience claim found in JWT but no audiences bound to the role");
  }
  if (role.boundSubject && payload.sub !== role.boundSubject)
    throw invalid("sub claim does not match bound subject");
  for (const [claim, accepted] of Object.entries(role.boundClaims)) {
    const value = claimAt(payload, claim);
    if (value === undefined) throw invalid(`claim "${claim.slice(0, 100)}" is missing`);
    if (!claimMatches(value, accepted, role.boundClaimsType === "glob")) {
      throw invalid(`claim "${claim.slice(0, 100)}" does not match any associated bound claim values`);
    }
  }
}

async function login(
  deps: LoginDeps,
  req: Request,
  roleField: string | undefined,
  jwt: string | undefined,
): Promise<Response> {
  if (!jwt) throw new BadRequest("missing jwt");
  const config = await readConfig(req.storage);
  if (!config) throw new BadRequest("could not load configuration");
  const roleName = roleField || config.defaultRole;
  if (!roleName) throw new BadRequest("missing role");
  const role = await readRole(req.storage, checkRoleName(roleName));
  if (!role) throw new BadRequest(`role "${roleName.slice(0, 64)}" could not be found`);
  const payload = await verify(deps, config, role, jwt);
  checkClaims(role, payload);
  const user = scalarText(claimAt(payload, role.userClaim));
  if (!user) throw invalid(`claim "${role.userClaim.slice(0, 100)}" not found in token or not a string`);
  const metadata: Record<string, string> = { role: roleName };
  for (const [claim, key] of Object.entries(role.claimMappings)) {
    const text = scalarText(claimAt(payload, claim));
    if (text !== undefined) metadata[key] = text;
  }
  return {
    authGrant: { ...tokenGrant(role.token), displayName: user, metadata, aliasName: user },
  };
}

export function loginPath(deps: LoginDeps): PathSpec {
  return definePath({
    pattern: "login",
    fields: {
      role: { type: "string", description: "The role to log in with (default_role when absent)." },
      jwt: { type: "string", description: "The signed JWT." },
    },
    operations: { update: (req, v) => login(deps, req, v.role, v.jwt) },
    help: "Exchanges a signed JWT for a token.",
  });
}
