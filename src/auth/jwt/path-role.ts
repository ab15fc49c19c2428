/** auth/jwt/role and role/:name: which JWTs may log in, and what their tokens carry. */
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
  boundAudiences: z.array(z.string()),
  boundSubject: z.string(),
  /** Claim (name or JSON pointer) -> accepted values. */
  boundClaims: z.record(z.string(), z.array(z.string())),
  boundClaimsType: z.enum(["string", "glob"]),
  userClaim: z.string(),
  /** Claim (name or JSON pointer) -> metadata key. */
  claimMappings: z.record(z.string(), z.string()),
  clockSkewLeeway: z.number(),
  expirationLeeway: z.number(),
  notBeforeLeeway: z.number(),
  token: tokenSettingsSchema,
});
export type JwtRole = z.infer<typeof roleSchema>;

export function checkRoleName(name: string): string {
  const n = name.trim();
  if (n === "" || n === "." || n === ".." || n.length > 512 || !/^[\w.@-]+$/.test(n)) {
    throw new BadRequest(`invalid role name "${name.slice(0, 64)}"`);
  }
  return n;
}

export function readRole(storage: StorageView, name: string): Promise<JwtRole | undefined> {
  return storage.read(`role/${checkRoleName(name)}`, roleSchema);
}

const roleFields = {
  name: { type: "string", required: true, description: "Name of the role." },
  role_type: { type: "string", description: 'Only "jwt" is supported.' },
  bound_audiences: { type: "strings", description: 'Accepted "aud" values; any one must match.' },
  bound_subject: { type: "string", description: 'Required "sub" claim value.' },
  bound_claims: { type: "json", description: "Claim -> accepted value or list of values." },
  bound_claims_type: { type: "string", description: '"string" (default) or "glob".' },
  user_claim: { type: "string", description: "Claim naming the user (alias); required." },
  claim_mappings: { type: "map", description: "Claim -> token metadata key." },
  clock_skew_leeway: { type: "duration", description: "Allowed clock skew (default 60s)." },
  expiration_leeway: { type: "duration", description: 'Leeway on "exp" (default 150s).' },
  not_before_leeway: { type: "duration", description: 'Leeway on "nbf" (default 150s).' },
  ...tokenFields,
} as const;

/** bound_claims values are a string, a number or a list of them (Vault also splits "a,b"). */
function parseBoundClaims(raw: unknown): Record<string, string[]> {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      throw new BadRequest("bound_claims must be a JSON object");
    }
  }
  const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
  const parsed = z.record(z.string(), z.union([scalar, z.array(scalar)])).safeParse(value);
  if (!parsed.success) throw new BadRequest("bound_claims values must be strings, numbers or lists of them");
  return Object.fromEntries(
    Object.entries(parsed.data).map(([k, v]) => [
      k,
      Array.isArray(v) ? v : v.split(",").map((s) => s.trim()),
    ]),
  );
}

async function writeRole(req: Request, v: Values<typeof roleFields>): Promise<undefined> {
  const name = checkRoleName(v.name);
  const existing = await readRole(req.storage, name);
  const type = v.role_type ?? "jwt";
  if (type !== "jwt")
    throw new BadRequest(`role_type "${type.slice(0, 20)}" is not supported: only "jwt" roles can log in`);
  const userClaim = v.user_claim ?? existing?.userClaim ?? "";
  if (userClaim === "") throw new BadRequest("a user claim must be defined on the role");
  const claimsType = v.bound_claims_type ?? existing?.boundClaimsType ?? "string";
  if (claimsType !== "string" && claimsType !== "glob")
    throw new BadRequest('bound_claims_type must be "string" or "glob"');
  const role: JwtRole = {
    boundAudiences: v.bound_audiences ?? existing?.boundAudiences ?? [],
    boundSubject: v.bound_subject ?? existing?.boundSubject ?? "",
    boundClaims:
      v.bound_claims === undefined ? (existing?.boundClaims ?? {}) : parseBoundClaims(v.bound_claims),
    boundClaimsType: claimsType,
    userClaim,
    claimMappings: v.claim_mappings ?? existing?.claimMappings ?? {},
    clockSkewLeeway: v.clock_skew_leeway ?? existing?.clockSkewLeeway ?? 60,
    expirationLeeway: v.expiration_leeway ?? existing?.expirationLeeway ?? 150,
    notBeforeLeeway: v.not_before_leeway ?? existing?.notBeforeLeeway ?? 150,
    token: applyTokenFields(existing?.token ?? DEFAULT_TOKEN_SETTINGS, v),
  };
  const targets = Object.values(role.claimMappings);
  if (new Set(targets).size !== targets.length)
    throw new BadRequest("claim_mappings must map to distinct metadata keys");
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
          const r = await readRole(req.storage, v.name);
          if (!r) throw new NotFound("");
          return {
            data: {
              role_type: "jwt",
              bound_audiences: [...r.boundAudiences],
              bound_subject: r.boundSubject,
              bound_claims: { ...r.boundClaims },
              bound_claims_type: r.boundClaimsType,
              user_claim: r.userClaim,
              claim_mappings: { ...r.claimMappings },
              clock_skew_leeway: r.clockSkewLeeway,
              expiration_leeway: r.expirationLeeway,
              not_before_leeway: r.notBeforeLeeway,
              ...tokenSettingsData(r.token),
            },
          };
        },
        delete: async (req, v) => {
          await req.storage.delete(`role/${checkRoleName(v.name)}`);
          return undefined;
        },
      },
      help: "Creates, reads, updates or deletes a JWT role.",
    }),
  ];
}
