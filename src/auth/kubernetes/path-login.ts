/**
 * auth/kubernetes/login {role, jwt}: a pod proves its service account. The JWT is checked locally
 * when pem_keys are configured, then (whenever kubernetes_host is set) by the API server's TokenReview,
 * which also catches deleted service accounts and pods; the reviewed identity must be the claimed one
 * and lie within the role's bound names and namespaces.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../../core/clock.js";
import { BadRequest, PermissionDenied } from "../../core/errors.js";
import type { Request, Response } from "../../core/request.js";
import { definePath, type PathSpec } from "../../framework/backend.js";
import { globAny } from "../../framework/glob.js";
import { tokenGrant } from "../../framework/token-fields.js";
import { readConfig, type KubernetesConfig } from "./config.js";
import { readRole, type KubernetesRole } from "./path-role.js";
import {
  identityFromClaims,
  unverifiedClaims,
  verifyLocally,
  type ServiceAccount,
} from "./service-account.js";
import { reviewToken } from "./token-review.js";

export const DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const DEFAULT_ISSUER = "kubernetes/serviceaccount";

export interface LoginDeps {
  readonly clock: Clock;
  /** Where a pod's own CA and token live; read unless disable_local_ca_jwt. */
  readonly serviceAccountDir: string;
}

async function readOptional(path: string): Promise<string> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return "";
  }
}

function checkBounds(role: KubernetesRole, sa: ServiceAccount): void {
  if (!globAny(role.boundNames, sa.name)) throw new PermissionDenied("service account name not authorized");
  if (!globAny(role.boundNamespaces, sa.namespace)) throw new PermissionDenied("namespace not authorized");
}

function checkAudience(aud: unknown, wanted: string): void {
  const list = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  if (!list.includes(wanted)) throw new PermissionDenied("invalid audience (aud) claim");
}

async function confirmWithApiServer(
  deps: LoginDeps,
  config: KubernetesConfig,
  role: KubernetesRole,
  jwt: string,
  claimed: ServiceAccount,
): Promise<void> {
  const local = config.disableLocalCaJwt
    ? { ca: "", token: "" }
    : {
        ca: config.kubernetesCaCert ? "" : await readOptional(join(deps.serviceAccountDir, "ca.crt")),
        token: config.tokenReviewerJwt ? "" : await readOptional(join(deps.serviceAccountDir, "token")),
      };
  const review = await reviewToken({
    host: config.kubernetesHost,
    caCert: config.kubernetesCaCert || local.ca,
    bearer: config.tokenReviewerJwt || local.token || jwt,
    token: jwt,
    audiences: role.audience ? [role.audience] : [],
  });
  if (!review.authenticated) {
    throw new PermissionDenied(
      "lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token",
    );
  }
  const parts = review.username.split(":");
  if (parts.length !== 4 || parts[0] !== "system" || parts[1] !== "serviceaccount") {
    throw new PermissionDenied("lookup failed: the reviewed token is not a service account token");
  }
  if (parts[2] !== claimed.namespace || parts[3] !== claimed.name) {
    throw new PermissionDenied("JWT names did not match TokenReview");
  }
  if (claimed.uid && review.uid && claimed.uid !== review.uid) {
    throw new PermissionDenied("JWT UID did not match TokenReview");
  }
  if (role.audience && review.audiences && !review.audiences.includes(role.audience)) {
    throw new PermissionDenied("invalid audience in TokenReview");
  }
}

async function login(
  deps: LoginDeps,
  req: Request,
  roleName: string | undefined,
  jwt: string | undefined,
): Promise<Response> {
  if (!roleName) throw new BadRequest("missing role");
  if (!jwt) throw new BadRequest("missing jwt");
  const role = await readRole(req.storage, roleName);
  if (!role) throw new BadRequest(`invalid role name "${roleName.slice(0, 64)}"`);
  const config = await readConfig(req.storage);
  if (!config) throw new BadRequest("the kubernetes auth method is not configured");
  const claims =
    config.pemKeys.length > 0
      ? await verifyLocally(jwt, config.pemKeys, new Date(deps.clock.now()))
      : unverifiedClaims(jwt);
  const sa = identityFromClaims(claims);
  if (!config.disableIssValidation && claims.iss !== (config.issuer || DEFAULT_ISSUER)) {
    throw new PermissionDenied("invalid issuer (iss) claim");
  }
  if (role.audience) checkAudience(claims.aud, role.audience);
  checkBounds(role, sa);
  if (config.kubernetesHost) await confirmWithApiServer(deps, config, role, jwt, sa);
  const metadata: Record<string, string> = {
    role: roleName,
    service_account_name: sa.name,
    service_account_namespace: sa.namespace,
    service_account_uid: sa.uid,
    ...(sa.secretName ? { service_account_secret_name: sa.secretName } : {}),
  };
  return {
    authGrant: {
      ...tokenGrant(role.token),
      displayName: `${sa.namespace}-${sa.name}`,
      metadata,
      aliasName:
        role.aliasNameSource === "serviceaccount_name" || !sa.uid ? `${sa.namespace}/${sa.name}` : sa.uid,
    },
  };
}

export function loginPath(deps: LoginDeps): PathSpec {
  return definePath({
    pattern: "login",
    fields: {
      role: { type: "string", description: "The role to log in with." },
      jwt: { type: "string", description: "The service account's JWT." },
    },
    operations: { update: (req, v) => login(deps, req, v.role, v.jwt) },
    help: "Exchanges a Kubernetes service-account JWT for a token.",
  });
}
