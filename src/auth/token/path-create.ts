/** auth/token/create and auth/token/create-orphan: mint a child (or orphan) of the calling token. */
import { definePath, type PathSpec } from "../../framework/backend.js";
import { BadRequest } from "../../core/errors.js";
import type { CallerToken, Request, Response } from "../../core/request.js";
import type { Values } from "../../framework/fields.js";
import { sanitizePolicies, tokenDisplayName } from "../../token/entry.js";
import type { TokenStore } from "../../token/store.js";
import { isRoot, requireCaller } from "./caller.js";

const createFields = {
  id: { type: "string", description: "Custom token ids are not supported; ignored with a warning." },
  policies: { type: "strings", description: "Policies of the token; a subset of the caller's unless root." },
  meta: { type: "map", description: "Metadata returned in lookups and audit logs." },
  no_parent: { type: "bool", default: false, description: "Create an orphan (root only)." },
  no_default_policy: { type: "bool", default: false, description: "Do not add the default policy." },
  renewable: { type: "bool", default: true, description: "Whether the token can be renewed." },
  ttl: { type: "duration", description: "Initial TTL; defaults to the system default TTL." },
  lease: { type: "duration", description: "Deprecated alias of ttl." },
  explicit_max_ttl: { type: "duration", default: 0, description: "Hard limit renewals cannot pass." },
  display_name: { type: "string", description: "Shown as token-<display_name>." },
  num_uses: { type: "int", default: 0, description: "Maximum number of requests; 0 is unlimited." },
  period: {
    type: "duration",
    default: 0,
    description: "Periodic token: every renewal resets the TTL to this.",
  },
  type: { type: "string", description: 'Token type; only "service" is supported.' },
  entity_alias: { type: "string", description: "Not supported; ignored with a warning." },
} as const;

type CreateValues = Values<typeof createFields>;

/**
 * Vault's rules for a child's policies: none asked for means the parent's; "default" is added unless
 * refused, or unless a non-root parent lacks it and the child did not ask for it explicitly; a non-root
 * parent can only hand out policies it holds.
 */
export function childPolicies(
  caller: CallerToken,
  requested: readonly string[],
  noDefault: boolean,
): string[] {
  const root = isRoot(caller);
  const explicitDefault = requested.some((p) => p.trim().toLowerCase() === "default");
  let policies = requested.length > 0 ? [...requested] : [...caller.policies];
  if (noDefault) policies = policies.filter((p) => p.trim().toLowerCase() !== "default");
  const addDefault = !noDefault && (root || caller.policies.includes("default") || explicitDefault);
  const sanitized = sanitizePolicies(policies, addDefault);
  if (!root && !sanitized.every((p) => caller.policies.includes(p))) {
    throw new BadRequest("child policies must be subset of parent");
  }
  return sanitized;
}

async function createToken(
  store: TokenStore,
  req: Request,
  v: CreateValues,
  orphanPath: boolean,
): Promise<Response> {
  const caller = requireCaller(req);
  const root = isRoot(caller);
  if (v.type && v.type !== "service" && v.type !== "default") {
    throw new BadRequest(
      `unsupported token type "${v.type.slice(0, 20)}": only "service" tokens are supported`,
    );
  }
  if (v.num_uses < 0) throw new BadRequest("number of uses cannot be negative");
  // create-orphan is governed by the ACL alone, as in Vault; no_parent on create needs root.
  if (v.no_parent && !orphanPath && !root) {
    throw new BadRequest("root or sudo privileges required to create orphan token");
  }
  if (v.period > 0 && !root)
    throw new BadRequest("root or sudo privileges required to create periodic token");
  const policies = childPolicies(caller, v.policies ?? [], v.no_default_policy);
  const orphan = orphanPath || v.no_parent;
  const minted = await store.create({
    policies,
    noDefaultPolicy: !policies.includes("default"),
    meta: v.meta ?? {},
    displayName: tokenDisplayName(v.display_name),
    path: `${req.mountPath}${req.path}`.replace(/\/+$/, ""),
    ...(orphan ? {} : { parentHash: caller.idHash }),
    ttl: v.ttl ?? v.lease ?? 0,
    explicitMaxTtl: v.explicit_max_ttl,
    period: v.period,
    numUses: v.num_uses,
    renewable: v.renewable,
    entityId: caller.entityId,
    namespace: req.caller.namespace,
  });
  const warnings = [...minted.warnings];
  if (v.id) warnings.push("custom token ids are not supported; a random id was issued");
  if (v.entity_alias) warnings.push("entity_alias is not supported and was ignored");
  return {
    data: null,
    auth: store.authBlock(minted.token, minted.entry),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

export function createPaths(store: TokenStore): PathSpec[] {
  return [
    definePath({
      pattern: "create",
      fields: createFields,
      operations: { update: (req, v) => createToken(store, req, v, false) },
      help: "Creates a token; a child of the caller unless no_parent (root only).",
    }),
    definePath({
      pattern: "create-orphan",
      fields: createFields,
      operations: { update: (req, v) => createToken(store, req, v, true) },
      help: "Creates a token with no parent: it survives the revocation of the caller's token.",
    }),
  ];
}
