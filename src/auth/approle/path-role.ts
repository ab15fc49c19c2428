/** auth/approle/role, role/:role_name and role/:role_name/role-id. */
import { randomBytes, randomUUID } from "node:crypto";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Request } from "../../core/request.js";
import { definePath, requireFound, type PathSpec } from "../../framework/backend.js";
import {
  DEFAULT_TOKEN_SETTINGS,
  applyTokenFields,
  checkCidrs,
  tokenFields,
  tokenSettingsData,
} from "../../framework/token-fields.js";
import type { Values } from "../../framework/fields.js";
import type { AppRoleStore, Role } from "./store.js";

const nameField = {
  role_name: { type: "string", required: true, description: "Name of the AppRole." },
} as const;

export const roleFields = {
  ...nameField,
  role_id: { type: "string", description: "Custom RoleID; a UUID is generated when absent." },
  bind_secret_id: { type: "bool", description: "Require a secret_id at login (default true)." },
  secret_id_bound_cidrs: { type: "strings", description: "CIDR blocks allowed to log in." },
  bound_cidr_list: { type: "strings", description: "Deprecated alias of secret_id_bound_cidrs." },
  secret_id_num_uses: { type: "int", description: "Uses of each secret id; 0 is unlimited." },
  secret_id_ttl: { type: "duration", description: "Lifetime of each secret id; 0 never expires." },
  local_secret_ids: { type: "bool", description: "Accepted for compatibility; ids are never replicated." },
  ...tokenFields,
} as const;

type RoleValues = Values<typeof roleFields>;

/** Vault's rule: letters, digits, space, hyphen, underscore and period, under 4096 bytes. */
export function checkRoleName(name: string): string {
  const n = name.trim().toLowerCase();
  if (n === "" || n === "." || n === ".." || n.length >= 4096 || !/^[\w .-]+$/.test(n)) {
    throw new BadRequest(`invalid role name "${name.slice(0, 64)}"`);
  }
  return n;
}

export async function loadRole(store: AppRoleStore, req: Request, name: string): Promise<Role> {
  return requireFound(await store.role(req.storage, checkRoleName(name)), `role "${name.slice(0, 64)}"`);
}

export function roleData(role: Role): Record<string, unknown> {
  return {
    bind_secret_id: role.bindSecretId,
    secret_id_bound_cidrs: [...role.secretIdBoundCidrs],
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    local_secret_ids: role.localSecretIds,
    ...tokenSettingsData(role.token),
  };
}

export async function writeRole(store: AppRoleStore, req: Request, v: RoleValues): Promise<undefined> {
  const name = checkRoleName(v.role_name);
  const existing = await store.role(req.storage, name);
  const base: Role = existing ?? {
    name,
    roleId: randomUUID(),
    uuid: randomUUID(),
    hmacKey: randomBytes(32).toString("hex"),
    bindSecretId: true,
    secretIdBoundCidrs: [],
    secretIdNumUses: 0,
    secretIdTtl: 0,
    localSecretIds: false,
    token: DEFAULT_TOKEN_SETTINGS,
  };
  const cidrs = v.secret_id_bound_cidrs ?? v.bound_cidr_list;
  if (cidrs) checkCidrs(cidrs, "secret_id_bound_cidrs");
  if (v.secret_id_num_uses !== undefined && v.secret_id_num_uses < 0) {
    throw new BadRequest("secret_id_num_uses cannot be negative");
  }
  if (existing && v.local_secret_ids !== undefined && v.local_secret_ids !== existing.localSecretIds) {
    throw new BadRequest("local_secret_ids can only be modified during role creation");
  }
  const role: Role = {
    ...base,
    roleId: v.role_id?.trim() || base.roleId,
    bindSecretId: v.bind_secret_id ?? base.bindSecretId,
    secretIdBoundCidrs: cidrs ?? base.secretIdBoundCidrs,
    secretIdNumUses: v.secret_id_num_uses ?? base.secretIdNumUses,
    secretIdTtl: v.secret_id_ttl ?? base.secretIdTtl,
    localSecretIds: v.local_secret_ids ?? base.localSecretIds,
    token: applyTokenFields(base.token, v, { allowNumUsesAlias: false }),
  };
  if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && role.token.boundCidrs.length === 0) {
    throw new BadRequest("at least one constraint should be enabled on the role");
  }
  await claimRoleId(store, req, role);
  await store.saveRole(req.storage, role, existing?.roleId);
  return undefined;
}

async function claimRoleId(store: AppRoleStore, req: Request, role: Role): Promise<void> {
  const owner = await store.roleIdTaken(req.storage, role.roleId);
  if (owner !== undefined && owner !== role.name) throw new BadRequest("role_id already in use");
}

export function rolePaths(store: AppRoleStore): PathSpec[] {
  return [
    definePath({
      pattern: "role",
      fields: {},
      operations: {
        list: async (req) => {
          const keys = await store.roleNames(req.storage);
          if (keys.length === 0) throw new NotFound("");
          return { data: { keys } };
        },
      },
      help: "Lists the AppRoles.",
    }),
    definePath({
      pattern: "role/:role_name",
      fields: roleFields,
      exists: async (req, v) => (await store.role(req.storage, checkRoleName(v.role_name))) !== undefined,
      operations: {
        create: (req, v) => writeRole(store, req, v),
        update: (req, v) => writeRole(store, req, v),
        read: async (req, v) => {
          const role = await store.role(req.storage, checkRoleName(v.role_name));
          if (!role) throw new NotFound("");
          return { data: roleData(role) };
        },
        delete: async (req, v) => {
          const role = await store.role(req.storage, checkRoleName(v.role_name));
          if (role) await store.deleteRole(req.storage, role);
          return undefined;
        },
      },
      help: "Creates, reads, updates or deletes an AppRole.",
    }),
    definePath({
      pattern: "role/:role_name/role-id",
      fields: { ...nameField, role_id: { type: "string", description: "The new RoleID." } },
      operations: {
        read: async (req, v) => ({ data: { role_id: (await loadRole(store, req, v.role_name)).roleId } }),
        update: async (req, v) => {
          const role = await loadRole(store, req, v.role_name);
          const roleId = v.role_id?.trim();
          if (!roleId) throw new BadRequest("missing role_id");
          const next = { ...role, roleId };
          await claimRoleId(store, req, next);
          await store.saveRole(req.storage, next, role.roleId);
          return undefined;
        },
      },
      help: "Reads or sets the RoleID of an AppRole.",
    }),
  ];
}
