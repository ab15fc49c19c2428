/** auth/kubernetes/role and role/:name: which service accounts may log in, and what they get. */
import { z } from "zod";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Request, StorageView } from "../../core/request.js";
import { definePath, listNamesPath, type PathSpec } from "../../framework/backend.js";
import type { Values } from "../../framework/fields.js";
import {
  DEFAULT_TOKEN_SETTINGS,
  applyTokenFields,
  tokenFields,
  tokenSettingsData,
  tokenSettingsSchema,
} from "../../framework/token-fields.js";

export const roleSchema = z.object({
  boundNames: z.array(z.string()),
  boundNamespaces: z.array(z.string()),
  audience: z.string(),
  aliasNameSource: z.enum(["serviceaccount_uid", "serviceaccount_name"]),
  token: tokenSettingsSchema,
});
export type KubernetesRole = z.infer<typeof roleSchema>;

export function checkRoleName(name: string): string {
  const n = name.trim();
  if (n === "" || n === "." || n === ".." || n.length > 512 || !/^[\w.@-]+$/.test(n)) {
    throw new BadRequest(`invalid role name "${name.slice(0, 64)}"`);
  }
  return n;
}

export function readRole(storage: StorageView, name: string): Promise<KubernetesRole | undefined> {
  return storage.read(`role/${checkRoleName(name)}`, roleSchema);
}

const roleFields = {
  name: { type: "string", required: true, description: "Name of the role." },
  bound_service_account_names: {
    type: "strings",
    description: 'Service account names (globs; "*" for any).',
  },
  bound_service_account_namespaces: { type: "strings", description: 'Namespaces (globs; "*" for any).' },
  audience: { type: "string", description: "Audience the JWT must carry." },
  alias_name_source: { type: "string", description: "serviceaccount_uid (default) or serviceaccount_name." },
  ...tokenFields,
} as const;

async function writeRole(req: Request, v: Values<typeof roleFields>): Promise<undefined> {
  const name = checkRoleName(v.name);
  const existing = await readRole(req.storage, name);
  const names = v.bound_service_account_names ?? existing?.boundNames ?? [];
  const namespaces = v.bound_service_account_namespaces ?? existing?.boundNamespaces ?? [];
  if (names.length === 0) throw new BadRequest('"bound_service_account_names" can not be empty');
  if (namespaces.length === 0) throw new BadRequest('"bound_service_account_namespaces" can not be empty');
  // Vault's rule: a "*" must stand alone, or it would silently widen the list.
  if ((names.length > 1 && names.includes("*")) || (namespaces.length > 1 && namespaces.includes("*"))) {
    throw new BadRequest('a "*" bound must be the only entry in its list');
  }
  const source = v.alias_name_source ?? existing?.aliasNameSource ?? "serviceaccount_uid";
  if (source !== "serviceaccount_uid" && source !== "serviceaccount_name") {
    throw new BadRequest('alias_name_source must be "serviceaccount_uid" or "serviceaccount_name"');
  }
  const role: KubernetesRole = {
    boundNames: names,
    boundNamespaces: namespaces,
    audience: v.audience ?? existing?.audience ?? "",
    aliasNameSource: source,
    token: applyTokenFields(existing?.token ?? DEFAULT_TOKEN_SETTINGS, v),
  };
  await req.storage.write(`role/${name}`, role);
  return undefined;
}

export function rolePaths(): PathSpec[] {
  return [
    listNamesPath("role", "role/", "Lists the roles."),
    definePath({
      pattern: "role/:name",
      fields: roleFields,
      exists: async (req, v) => (await readRole(req.storage, v.name)) !== undefined,
      operations: {
        create: writeRole,
        update: writeRole,
        read: async (req, v) => {
          const role = await readRole(req.storage, v.name);
          if (!role) throw new NotFound("");
          return {
            data: {
              bound_service_account_names: [...role.boundNames],
              bound_service_account_namespaces: [...role.boundNamespaces],
              audience: role.audience,
              alias_name_source: role.aliasNameSource,
              ...tokenSettingsData(role.token),
            },
          };
        },
        delete: async (req, v) => {
          await req.storage.delete(`role/${checkRoleName(v.name)}`);
          return undefined;
        },
      },
      help: "Creates, reads, updates or deletes a role binding service accounts to policies.",
    }),
  ];
}
