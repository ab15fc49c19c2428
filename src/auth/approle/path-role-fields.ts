/**
 * auth/approle/role/:role_name/<property>: one endpoint per role setting (GET, POST, DELETE), as Vault
 * has, so an ACL can delegate exactly one setting. Each writes through the same validation as the
 * whole-role endpoint; DELETE restores the default.
 */
import { BadRequest } from "../../core/errors.js";
import type { Request } from "../../core/request.js";
import { definePath, type PathSpec } from "../../framework/backend.js";
import { parseFields } from "../../framework/fields.js";
import { loadRole, roleData, roleFields, writeRole } from "./path-role.js";
import type { AppRoleStore } from "./store.js";

interface Property {
  /** Wire fields the endpoint accepts and returns; the first is the current name, then an alias. */
  readonly fields: readonly string[];
  readonly reset: Readonly<Record<string, unknown>>;
}

const PROPERTIES: Readonly<Record<string, Property>> = {
  policies: { fields: ["token_policies", "policies"], reset: { token_policies: [] } },
  "secret-id-num-uses": { fields: ["secret_id_num_uses"], reset: { secret_id_num_uses: 0 } },
  "secret-id-ttl": { fields: ["secret_id_ttl"], reset: { secret_id_ttl: 0 } },
  "token-num-uses": { fields: ["token_num_uses"], reset: { token_num_uses: 0 } },
  "token-ttl": { fields: ["token_ttl"], reset: { token_ttl: 0 } },
  "token-max-ttl": { fields: ["token_max_ttl"], reset: { token_max_ttl: 0 } },
  "bind-secret-id": { fields: ["bind_secret_id"], reset: { bind_secret_id: true } },
  "secret-id-bound-cidrs": { fields: ["secret_id_bound_cidrs"], reset: { secret_id_bound_cidrs: [] } },
  "token-bound-cidrs": { fields: ["token_bound_cidrs"], reset: { token_bound_cidrs: [] } },
  period: { fields: ["token_period", "period"], reset: { token_period: 0 } },
};

async function write(store: AppRoleStore, req: Request, roleName: string, data: Record<string, unknown>) {
  await loadRole(store, req, roleName);
  await writeRole(store, req, parseFields(roleFields, { ...data, role_name: roleName }));
  return undefined;
}

export function roleFieldPaths(store: AppRoleStore): PathSpec[] {
  return Object.entries(PROPERTIES).map(([endpoint, { fields, reset }]) =>
    definePath({
      pattern: `role/:role_name/${endpoint}`,
      fields: { role_name: roleFields.role_name },
      operations: {
        read: async (req, v) => {
          const data = roleData(await loadRole(store, req, v.role_name));
          return { data: Object.fromEntries(fields.map((f) => [f, data[f]])) };
        },
        update: (req, v) => {
          const given = Object.fromEntries(
            fields.filter((f) => req.data[f] !== undefined).map((f) => [f, req.data[f]]),
          );
          if (Object.keys(given).length === 0) throw new BadRequest(`missing ${fields[0] ?? endpoint}`);
          return write(store, req, v.role_name, given);
        },
        delete: (req, v) => write(store, req, v.role_name, { ...reset }),
      },
      help: `Reads, sets or resets the role's ${fields[0] ?? endpoint}.`,
    }),
  );
}
