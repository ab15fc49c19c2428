/**
 * Reading a Kubernetes service-account JWT: the identity it claims (legacy secret-based tokens and
 * projected tokens alike) and, when pem_keys are configured, a local signature check with jose.
 * Claims are untrusted input: parsed with zod, never cast.
 */
import { createPublicKey } from "node:crypto";
import { decodeJwt, jwtVerify, type JWTPayload } from "jose";
import { z } from "zod";
import { PermissionDenied } from "../../core/errors.js";

export interface ServiceAccount {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** Only legacy (secret-based) tokens name their secret. */
  readonly secretName: string;
}

const legacyClaims = z.object({
  "kubernetes.io/serviceaccount/namespace": z.string(),
  "kubernetes.io/serviceaccount/service-account.name": z.string(),
  "kubernetes.io/serviceaccount/service-account.uid": z.string().default(""),
  "kubernetes.io/serviceaccount/secret.name": z.string().default(""),
});

const projectedClaims = z.object({
  "kubernetes.io": z.object({
    namespace: z.string(),
    serviceaccount: z.object({ name: z.string(), uid: z.string().default("") }),
  }),
});

/** Signature algorithms Kubernetes uses for service-account tokens; "none" and HMAC never pass. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"];

export function identityFromClaims(claims: unknown): ServiceAccount {
  const projected = projectedClaims.safeParse(claims);
  if (projected.success) {
    const k = projected.data["kubernetes.io"];
    return { namespace: k.namespace, name: k.serviceaccount.name, uid: k.serviceaccount.uid, secretName: "" };
  }
  const legacy = legacyClaims.safeParse(claims);
  if (legacy.success) {
    const c = legacy.data;
    return {
      namespace: c["kubernetes.io/serviceaccount/namespace"],
      name: c["kubernetes.io/serviceaccount/service-account.name"],
      uid: c["kubernetes.io/serviceaccount/service-account.uid"],
      secretName: c["kubernetes.io/serviceaccount/secret.name"],
    };
  }
  throw new PermissionDenied("the JWT is not a Kubernetes service account token");
}

/** The claims without verifying the signature (TokenReview verifies); malformed tokens are refused. */
export function unverifiedClaims(jwt: string): JWTPayload {
  try {
    return decodeJwt(jwt);
  } catch (cause) {
    throw new PermissionDenied("the JWT is malformed", { cause });
  }
}

/** Verifies the signature against any of `pemKeys`; the claims when one matches. */
export async function verifyLocally(jwt: string, pemKeys: readonly string[], now: Date): Promise<JWTPayload> {
  for (const pem of pemKeys) {
    try {
      const { payload } = await jwtVerify(jwt, createPublicKey(pem), {
        algorithms: ALGORITHMS,
        currentDate: now,
      });
      return payload;
    } catch {
      // Try the next key; the failure is reported once below without saying which key was close.
    }
  }
  throw new PermissionDenied("permission denied");
}
