/**
 * `/v1/policies[/:name]`: the operators' runbook form of ACL policies, `{"name", "rules": [{"path",
 * "capabilities", "effect", "conditions"}]}` (a SecretHub extension at a path Vault does not use).
 * Served as a system backend at the "policies/" prefix, so the pipeline authorizes it like any path
 * (a grant on "policies/<name>", or "policies/" for writes naming the policy in the body).
 * Policies live in the same PolicyStore as sys/policies/acl: stored as Vault JSON policy text, so
 * both APIs read and write the same policies and the rules round-trip exactly.
 */
import { BadRequest, NotFound } from "../core/errors.js";
import type { PolicyStore } from "../core/policy-store.js";
import type { Request } from "../core/request.js";
import { definePath, type Backend } from "../framework/backend.js";
import { PolicyError, policyFromRules, policyToRules, type Policy } from "../policy/index.js";

export type RunbookPolicyStore = Pick<PolicyStore, "get" | "put" | "delete" | "list">;

/** Vault's JSON policy text for the rules: one `path` block per rule, in order, so duplicates survive. */
export function rulesToVaultJson(policy: Policy): string {
  const path = policyToRules(policy).map(({ path: pattern, effect, capabilities, ...rest }) => ({
    [pattern]: { capabilities: effect === "deny" ? ["deny"] : capabilities, ...rest },
  }));
  return JSON.stringify({ path }, null, 2);
}

async function write(
  store: RunbookPolicyStore,
  name: string | undefined,
  rules: unknown,
): Promise<undefined> {
  if (!name) throw new BadRequest("missing policy name");
  if (rules === undefined) throw new BadRequest("missing rules");
  try {
    await store.put(name, rulesToVaultJson(policyFromRules(name.trim().toLowerCase(), rules)));
  } catch (err) {
    if (err instanceof PolicyError) throw new BadRequest(`failed to parse policy: ${err.message}`);
    throw err;
  }
  return undefined;
}

async function list(store: RunbookPolicyStore) {
  const keys = await store.list();
  return { data: { keys, policies: keys } };
}

const bodyFields = {
  name: { type: "string", description: "Name of the policy (the URL's, when given there)." },
  rules: { type: "json", description: "The rules: [{path, capabilities, effect, conditions}]." },
} as const;

export function runbookPoliciesBackend(store: RunbookPolicyStore): Backend {
  const exists = async (_req: Request, v: { name: string | undefined }) =>
    v.name !== undefined && (await store.get(v.name)) !== undefined;
  return {
    type: "policies",
    kind: "secret",
    paths: [
      definePath({
        pattern: "",
        fields: bodyFields,
        exists,
        operations: {
          list: () => list(store),
          read: () => list(store),
          update: (_req, v) => write(store, v.name, v.rules),
        },
        help: "Lists policies, or writes the policy named in the body.",
      }),
      definePath({
        pattern: ":name",
        fields: {
          ...bodyFields,
          name: { type: "string", required: true, description: "Name of the policy." },
        },
        exists,
        operations: {
          read: async (_req, v) => {
            const name = v.name.trim().toLowerCase();
            if (name === "root")
              throw new BadRequest("the root policy has no rules to show: it allows everything");
            const policy = await store.get(name);
            if (!policy) throw new NotFound("");
            return { data: { name: policy.name, rules: policyToRules(policy) } };
          },
          update: (_req, v) => write(store, v.name, v.rules),
          delete: async (_req, v) => {
            await store.delete(v.name);
            return undefined;
          },
        },
        help: "Reads, writes or deletes one policy in the runbook's rule form.",
      }),
    ],
  };
}
