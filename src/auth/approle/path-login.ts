/**
 * auth/approle/login: role_id (+ secret_id when the role binds one) for a token. Every credential
 * failure answers the same 400 "invalid role or secret ID", whichever half was wrong.
 */
import { BadRequest } from "../../core/errors.js";
import type { Clock } from "../../core/clock.js";
import type { Request, Response } from "../../core/request.js";
import { constantTimeEqual } from "../../crypto/hmac.js";
import { definePath, type PathSpec } from "../../framework/backend.js";
import { addressAllowed, tokenGrant } from "../../framework/token-fields.js";
import type { Values } from "../../framework/fields.js";
import { expired } from "./path-secret-id.js";
import type { AppRoleStore, Role, SecretIdEntry } from "./store.js";

export const INVALID_CREDENTIALS = "invalid role or secret ID";

const loginFields = {
  role_id: { type: "string", description: "RoleID of the AppRole." },
  secret_id: { type: "string", description: "A secret id of the AppRole." },
} as const;

function unauthorizedSource(remote: string, where: string): BadRequest {
  return new BadRequest(
    `source address "${remote.slice(0, 64)}" unauthorized through CIDR restrictions on the ${where}`,
  );
}

/** Takes one use of the secret id under a lock; undefined when it does not exist or has expired. */
async function consumeSecretId(
  store: AppRoleStore,
  clock: Clock,
  req: Request,
  role: Role,
  secretId: string,
): Promise<SecretIdEntry | undefined> {
  const hash = store.secretIdHash(role, secretId);
  return store.exclusive(`${role.uuid}/${hash}`, async () => {
    const entry = await store.secretId(req.storage, role, hash);
    // Invariant: the looked-up record must carry the presented id's hash (compared in constant time).
    if (!entry || !constantTimeEqual(entry.hash, hash)) return undefined;
    const now = clock.now();
    if (expired(entry, now)) {
      await store.deleteSecretId(req.storage, role, entry);
      return undefined;
    }
    if (!addressAllowed(entry.cidrList, req.caller.remoteAddress)) {
      throw unauthorizedSource(req.caller.remoteAddress, "secret ID");
    }
    if (entry.numUses === 1) await store.deleteSecretId(req.storage, role, entry);
    else if (entry.numUses > 1) {
      await store.saveSecretId(req.storage, role, {
        ...entry,
        numUses: entry.numUses - 1,
        lastUpdatedTime: now,
      });
    }
    return entry;
  });
}

async function login(
  store: AppRoleStore,
  clock: Clock,
  req: Request,
  v: Values<typeof loginFields>,
): Promise<Response> {
  const roleId = v.role_id?.trim();
  if (!roleId) throw new BadRequest("missing role_id");
  const role = await store.roleByRoleId(req.storage, roleId);
  if (!role || !constantTimeEqual(role.roleId, roleId)) throw new BadRequest(INVALID_CREDENTIALS);
  const remote = req.caller.remoteAddress;
  if (!addressAllowed(role.secretIdBoundCidrs, remote)) throw unauthorizedSource(remote, "role");
  let metadata: Record<string, string> = {};
  let boundCidrs = role.token.boundCidrs;
  if (role.bindSecretId) {
    if (!v.secret_id) throw new BadRequest("missing secret_id");
    const entry = await consumeSecretId(store, clock, req, role, v.secret_id);
    if (!entry) throw new BadRequest(INVALID_CREDENTIALS);
    metadata = { ...entry.metadata };
    if (entry.tokenBoundCidrs.length > 0) boundCidrs = entry.tokenBoundCidrs;
  }
  // Tokens bound to CIDRs are useless elsewhere; refusing the login from there says so early.
  if (!addressAllowed(boundCidrs, remote)) throw unauthorizedSource(remote, "token");
  return {
    authGrant: {
      ...tokenGrant({ ...role.token, boundCidrs }),
      displayName: role.name,
      metadata: { ...metadata, role_name: role.name },
      aliasName: role.roleId,
    },
  };
}

export function loginPath(store: AppRoleStore, clock: Clock): PathSpec {
  return definePath({
    pattern: "login",
    fields: loginFields,
    operations: { update: (req, v) => login(store, clock, req, v) },
    help: "Exchanges a RoleID and SecretID for a token.",
  });
}
