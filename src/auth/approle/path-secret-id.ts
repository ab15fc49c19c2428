/**
 * Secret ids of an AppRole: generate, custom-secret-id, list accessors, lookup and destroy (by secret
 * id or by accessor). A secret id is shown once, in the answer that creates it.
 */
import { randomUUID } from "node:crypto";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Clock } from "../../core/clock.js";
import type { Request, Response } from "../../core/request.js";
import { definePath, type PathSpec } from "../../framework/backend.js";
import { checkCidrs, cidrsWithin } from "../../framework/token-fields.js";
import type { Values } from "../../framework/fields.js";
import { loadRole } from "./path-role.js";
import type { AppRoleStore, Role, SecretIdEntry } from "./store.js";

const nameField = {
  role_name: { type: "string", required: true, description: "Name of the AppRole." },
} as const;

const issueFields = {
  ...nameField,
  secret_id: { type: "string", description: "The custom secret id (custom-secret-id only)." },
  metadata: { type: "map", description: "JSON object (or its text) of string values, copied to tokens." },
  cidr_list: { type: "strings", description: "CIDR blocks allowed to use this secret id." },
  token_bound_cidrs: { type: "strings", description: "CIDR blocks allowed to use issued tokens." },
  num_uses: { type: "int", description: "Uses of this secret id; at most the role's limit." },
  ttl: { type: "duration", description: "Lifetime of this secret id; at most the role's limit." },
} as const;

type IssueValues = Values<typeof issueFields>;

const ISO_ZERO = "0001-01-01T00:00:00Z";
const MAX_SECRET_ID = 4096;

/** Vault's limits: a secret id cannot outlive or outlast what the role allows. */
function limits(role: Role, v: IssueValues): { numUses: number; ttl: number } {
  const numUses = v.num_uses ?? role.secretIdNumUses;
  if (numUses < 0) throw new BadRequest("num_uses cannot be negative");
  if (role.secretIdNumUses > 0 && (numUses === 0 || numUses > role.secretIdNumUses)) {
    throw new BadRequest("num_uses cannot be higher than the role's secret_id_num_uses");
  }
  const ttl = v.ttl ?? role.secretIdTtl;
  if (role.secretIdTtl > 0 && (ttl === 0 || ttl > role.secretIdTtl)) {
    throw new BadRequest("ttl cannot be longer than the role's secret_id_ttl");
  }
  return { numUses, ttl };
}

async function issue(
  store: AppRoleStore,
  clock: Clock,
  req: Request,
  v: IssueValues,
  custom: boolean,
): Promise<Response> {
  const role = await loadRole(store, req, v.role_name);
  if (!role.bindSecretId) throw new BadRequest("bind_secret_id is not set on the role");
  let secretId: string = randomUUID();
  if (custom) {
    if (!v.secret_id) throw new BadRequest("missing secret_id");
    if (v.secret_id.length > MAX_SECRET_ID) throw new BadRequest("secret_id is too long");
    secretId = v.secret_id;
  }
  const cidrList = v.cidr_list ?? [];
  checkCidrs(cidrList, "cidr_list");
  if (!cidrsWithin(cidrList, role.secretIdBoundCidrs)) {
    throw new BadRequest("cidr_list must be a subset of the role's secret_id_bound_cidrs");
  }
  const tokenBoundCidrs = v.token_bound_cidrs ?? [];
  checkCidrs(tokenBoundCidrs, "token_bound_cidrs");
  if (!cidrsWithin(tokenBoundCidrs, role.token.boundCidrs)) {
    throw new BadRequest("token_bound_cidrs must be a subset of the role's token_bound_cidrs");
  }
  const { numUses, ttl } = limits(role, v);
  const hash = store.secretIdHash(role, secretId);
  if (await store.secretId(req.storage, role, hash)) throw new BadRequest("secret_id already exists");
  const now = clock.now();
  const entry: SecretIdEntry = {
    hash,
    accessor: randomUUID(),
    metadata: v.metadata ?? {},
    cidrList,
    tokenBoundCidrs,
    numUses,
    ttl,
    creationTime: now,
    expirationTime: ttl > 0 ? now + ttl * 1000 : 0,
    lastUpdatedTime: now,
  };
  await store.saveSecretId(req.storage, role, entry);
  return {
    data: {
      secret_id: secretId,
      secret_id_accessor: entry.accessor,
      secret_id_ttl: ttl,
      secret_id_num_uses: numUses,
    },
  };
}

export function expired(entry: SecretIdEntry, now: number): boolean {
  return entry.expirationTime > 0 && entry.expirationTime <= now;
}

function describe(entry: SecretIdEntry): Record<string, unknown> {
  return {
    secret_id_accessor: entry.accessor,
    metadata: { ...entry.metadata },
    cidr_list: [...entry.cidrList],
    token_bound_cidrs: [...entry.tokenBoundCidrs],
    secret_id_num_uses: entry.numUses,
    secret_id_ttl: entry.ttl,
    creation_time: new Date(entry.creationTime).toISOString(),
    expiration_time: entry.expirationTime > 0 ? new Date(entry.expirationTime).toISOString() : ISO_ZERO,
    last_updated_time: new Date(entry.lastUpdatedTime).toISOString(),
  };
}

/** The live entry for a hash; an expired one is deleted and reported absent. */
async function live(
  store: AppRoleStore,
  clock: Clock,
  req: Request,
  role: Role,
  hash: string | undefined,
): Promise<SecretIdEntry | undefined> {
  if (!hash) return undefined;
  const entry = await store.secretId(req.storage, role, hash);
  if (entry && expired(entry, clock.now())) {
    await store.deleteSecretId(req.storage, role, entry);
    return undefined;
  }
  return entry;
}

export function secretIdPaths(store: AppRoleStore, clock: Clock): PathSpec[] {
  const bySecretId = {
    ...nameField,
    secret_id: { type: "string", required: true, description: "The secret id." },
  } as const;
  const byAccessor = {
    ...nameField,
    secret_id_accessor: { type: "string", required: true, description: "The secret id's accessor." },
  } as const;
  return [
    definePath({
      pattern: "tidy/secret-id",
      fields: {},
      operations: {
        update: async (req) => {
          let removed = 0;
          for (const name of await store.roleNames(req.storage)) {
            const role = await store.role(req.storage, name);
            if (!role) continue;
            for (const accessor of await store.accessors(req.storage, role)) {
              const hash = await store.hashForAccessor(req.storage, role, accessor);
              const entry = hash ? await store.secretId(req.storage, role, hash) : undefined;
              if (!entry || expired(entry, clock.now())) {
                await store.destroyByAccessor(req.storage, role, accessor);
                removed += 1;
              }
            }
          }
          return {
            status: 202,
            warnings: [`Tidy operation finished: removed ${removed} expired secret IDs.`],
          };
        },
      },
      help: "Removes expired secret ids (expired ids are also refused and removed when presented).",
    }),
    definePath({
      pattern: "role/:role_name/secret-id",
      fields: issueFields,
      operations: {
        update: (req, v) => issue(store, clock, req, v, false),
        list: async (req, v) => {
          const keys = await store.accessors(req.storage, await loadRole(store, req, v.role_name));
          if (keys.length === 0) throw new NotFound("");
          return { data: { keys } };
        },
      },
      help: "Generates a secret id for the role, or lists the accessors of its secret ids.",
    }),
    definePath({
      pattern: "role/:role_name/custom-secret-id",
      fields: issueFields,
      operations: { update: (req, v) => issue(store, clock, req, v, true) },
      help: "Registers a secret id chosen by the caller (the push model).",
    }),
    definePath({
      pattern: "role/:role_name/secret-id/lookup",
      fields: bySecretId,
      operations: {
        update: async (req, v) => {
          const role = await loadRole(store, req, v.role_name);
          const entry = await live(store, clock, req, role, store.secretIdHash(role, v.secret_id));
          return entry ? { data: describe(entry) } : undefined;
        },
      },
      help: "Reads the properties of a secret id (never the id itself).",
    }),
    definePath({
      pattern: "role/:role_name/secret-id/destroy",
      fields: bySecretId,
      operations: {
        update: async (req, v) => {
          const role = await loadRole(store, req, v.role_name);
          const entry = await store.secretId(req.storage, role, store.secretIdHash(role, v.secret_id));
          if (entry) await store.deleteSecretId(req.storage, role, entry);
          return undefined;
        },
      },
      help: "Destroys a secret id.",
    }),
    definePath({
      pattern: "role/:role_name/secret-id-accessor/lookup",
      fields: byAccessor,
      operations: {
        update: async (req, v) => {
          const role = await loadRole(store, req, v.role_name);
          const hash = await store.hashForAccessor(req.storage, role, v.secret_id_accessor);
          const entry = await live(store, clock, req, role, hash);
          if (!entry) throw new NotFound("failed to find accessor entry for secret_id_accessor");
          return { data: describe(entry) };
        },
      },
      help: "Reads the properties of a secret id by its accessor.",
    }),
    definePath({
      pattern: "role/:role_name/secret-id-accessor/destroy",
      fields: byAccessor,
      operations: {
        update: async (req, v) => {
          const role = await loadRole(store, req, v.role_name);
          if (!(await store.destroyByAccessor(req.storage, role, v.secret_id_accessor))) {
            throw new NotFound("failed to find accessor entry for secret_id_accessor");
          }
          return undefined;
        },
      },
      help: "Destroys a secret id by its accessor.",
    }),
  ];
}
