/** sys/policies/acl/*, legacy sys/policy/*, sys/capabilities-self. */
import { BadRequest, NotFound, PermissionDenied } from "../core/errors.js";
import { PolicyError } from "../policy/index.js";
import { definePath, type PathSpec } from "../framework/backend.js";
import type { SysServices } from "./services.js";

async function write(s: SysServices, name: string, text: string | undefined): Promise<undefined> {
  if (text === undefined || text.trim() === "")
    throw new BadRequest("'policy' parameter not supplied or empty");
  try {
    await s.policies.put(name, text);
  } catch (err) {
    if (err instanceof PolicyError) throw new BadRequest(`failed to parse policy: ${err.message}`);
    throw err;
  }
  return undefined;
}

async function read(s: SysServices, name: string): Promise<{ name: string; text: string }> {
  if (name === "root") return { name, text: "" };
  const p = await s.policies.get(name);
  if (!p) throw new NotFound("");
  return { name: p.name, text: p.raw };
}

export function policyPaths(s: SysServices): PathSpec[] {
  return [
    definePath({
      pattern: "policies/acl",
      fields: {},
      operations: { list: async () => ({ data: { keys: await s.policies.list() } }) },
      help: "Lists ACL policies.",
    }),
    definePath({
      pattern: "policies/acl/:name",
      fields: { name: { type: "string", required: true }, policy: { type: "string" } },
      operations: {
        read: async (_req, v) => {
          const p = await read(s, v.name);
          return { data: { name: p.name, policy: p.text } };
        },
        update: (_req, v) => write(s, v.name, v.policy),
        delete: async (_req, v) => {
          await s.policies.delete(v.name);
          return undefined;
        },
      },
      help: "Reads, writes or deletes an ACL policy (Vault HCL or JSON).",
    }),
    definePath({
      pattern: "policy",
      fields: {},
      operations: {
        read: async () => {
          const keys = await s.policies.list();
          return { data: { policies: keys, keys }, topLevelData: true };
        },
      },
      help: "Lists policies (legacy).",
    }),
    definePath({
      pattern: "policy/:name",
      fields: {
        name: { type: "string", required: true },
        policy: { type: "string" },
        rules: { type: "string" },
      },
      operations: {
        read: async (_req, v) => {
          const p = await read(s, v.name);
          return { data: { name: p.name, rules: p.text }, topLevelData: true };
        },
        update: (_req, v) => write(s, v.name, v.policy ?? v.rules),
        delete: async (_req, v) => {
          await s.policies.delete(v.name);
          return undefined;
        },
      },
      help: "Reads, writes or deletes a policy (legacy).",
    }),
    definePath({
      pattern: "capabilities-self",
      fields: { paths: { type: "strings" }, path: { type: "strings" } },
      operations: {
        update: async (req, v) => {
          const caller = req.caller.token;
          if (!caller) throw new PermissionDenied();
          const paths = [...(v.paths ?? []), ...(v.path ?? [])];
          if (paths.length === 0) throw new BadRequest("missing paths");
          const acl = await s.acls.acl(caller.policies);
          const ctx = { remoteAddress: req.caller.remoteAddress, now: new Date(s.now()) };
          const data: Record<string, unknown> = {};
          for (const p of paths) data[p] = acl.capabilities(p.replace(/^\/+/, ""), ctx);
          if (paths.length === 1 && paths[0] !== undefined) data.capabilities = data[paths[0]];
          return { data, topLevelData: true };
        },
      },
      help: "The calling token's capabilities on the given paths.",
    }),
  ];
}
