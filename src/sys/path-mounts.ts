/**
 * sys/mounts, sys/auth and sys/internal/ui/mounts. Listings carry the map both under `data` and at
 * the top level, as Vault's legacy clients expect.
 */
import { BadRequest, NotFound, PermissionDenied } from "../core/errors.js";
import { builtinMount } from "../core/lifecycle.js";
import { normalizeMountPath, type MountEntry } from "../core/mount-table.js";
import type { Request, Response } from "../core/request.js";
import { definePath, type PathSpec } from "../framework/backend.js";
import { parseDuration } from "../framework/fields.js";
import type { SysServices } from "./services.js";

function describe(e: MountEntry): Record<string, unknown> {
  return {
    type: e.type,
    description: e.description,
    accessor: e.accessor,
    uuid: e.uuid,
    config: {
      default_lease_ttl: e.config.default_lease_ttl,
      max_lease_ttl: e.config.max_lease_ttl,
      force_no_cache: false,
    },
    options: Object.keys(e.options).length ? e.options : null,
    local: e.local,
    seal_wrap: e.seal_wrap,
    external_entropy_access: false,
    plugin_version: "",
    running_plugin_version: "",
    running_sha256: "",
    deprecation_status: "supported",
  };
}

function stringMap(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new BadRequest("options must be an object");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = String(v);
  }
  return out;
}

function ttlConfig(value: unknown, base: MountEntry["config"]): MountEntry["config"] {
  if (value === undefined || value === null) return base;
  if (typeof value !== "object" || Array.isArray(value)) throw new BadRequest("config must be an object");
  const c = value as Record<string, unknown>;
  return {
    default_lease_ttl:
      c.default_lease_ttl === undefined
        ? base.default_lease_ttl
        : parseDuration(c.default_lease_ttl, "default_lease_ttl"),
    max_lease_ttl:
      c.max_lease_ttl === undefined ? base.max_lease_ttl : parseDuration(c.max_lease_ttl, "max_lease_ttl"),
  };
}

/** Resolves kv-v2 and version options to a stored (type, options) pair. */
function engineType(
  type: string,
  options: Record<string, string>,
): { type: string; options: Record<string, string> } {
  if (type === "kv-v2") return { type: "kv", options: { ...options, version: "2" } };
  if (type === "kv-v1") return { type: "kv", options: { ...options, version: "1" } };
  if (type === "kv") return { type, options: { version: options.version ?? "1", ...options } };
  return { type, options };
}

function listing(entries: readonly MountEntry[], auth: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    if (e.path.startsWith("auth/") !== auth) continue;
    out[auth ? e.path.slice(5) : e.path] = describe(e);
  }
  return out;
}

async function enable(
  s: SysServices,
  req: Request,
  path: string,
  auth: boolean,
): Promise<Response | undefined> {
  const d = req.data;
  const rawType = typeof d.type === "string" ? d.type : "";
  if (!rawType) throw new BadRequest("type is required");
  const { type, options } = engineType(rawType, stringMap(d.options));
  const known = auth ? s.authTypes : s.engineTypes;
  if (!known.has(type)) throw new BadRequest(`plugin not found in the catalog: ${rawType}`);
  const rel = normalizeMountPath(path);
  if (!auth && /^(sys|auth|cubbyhole|identity|policies)\//.test(rel))
    throw new BadRequest(`cannot mount at reserved path "${rel}"`);
  const full = auth ? `auth/${rel}` : rel;
  // SecretHub mounts kv-v2 at secret/ by default where Vault does not; so that scripts written for
  // Vault (`secrets enable -path=secret kv-v2`) keep working, re-enabling the same engine with the
  // same version at the same path is a no-op with a warning instead of an error.
  const existing = await s.mounts.get(full);
  if (existing && existing.type === type && (existing.options.version ?? "1") === (options.version ?? "1")) {
    return { data: null, warnings: [`${type} is already enabled at ${full}; nothing changed`] };
  }
  const entry: MountEntry = {
    ...builtinMount(full, type, typeof d.description === "string" ? d.description : "", options),
    config: ttlConfig(d.config, { default_lease_ttl: 0, max_lease_ttl: 0 }),
    local: d.local === true,
    seal_wrap: d.seal_wrap === true,
  };
  await s.mounts.add(entry);
  try {
    await s.router.mount(entry);
  } catch (err) {
    await s.mounts.remove(entry.path);
    throw err;
  }
  return undefined;
}

async function disable(s: SysServices, path: string, auth: boolean): Promise<undefined> {
  const rel = normalizeMountPath(path);
  const full = auth ? `auth/${rel}` : rel;
  if (!(await s.mounts.get(full))) return undefined; // Vault: disabling a missing mount succeeds.
  await s.mounts.remove(full);
  await s.router.unmount(full);
  return undefined;
}

async function tune(
  s: SysServices,
  full: string,
  req: Request,
): Promise<Record<string, unknown> | undefined> {
  const entry = await s.mounts.get(full);
  if (!entry) throw new BadRequest(`cannot fetch mount configuration for "${full}"`);
  if (req.operation === "read") {
    return {
      default_lease_ttl: entry.config.default_lease_ttl || 2764800,
      max_lease_ttl: entry.config.max_lease_ttl || 2764800,
      force_no_cache: false,
      description: entry.description,
      options: entry.options,
    };
  }
  const d = req.data;
  const next = await s.mounts.update(full, (e) => ({
    ...e,
    config: ttlConfig({ default_lease_ttl: d.default_lease_ttl, max_lease_ttl: d.max_lease_ttl }, e.config),
    description: typeof d.description === "string" ? d.description : e.description,
    options: { ...e.options, ...stringMap(d.options) },
  }));
  s.router.retune(next);
  return undefined;
}

function splitTune(path: string): { path: string; tune: boolean } {
  return path.endsWith("/tune") ? { path: path.slice(0, -5), tune: true } : { path, tune: false };
}

export function mountPaths(s: SysServices): PathSpec[] {
  const table = (auth: boolean) => async () => {
    const data = listing(await s.mounts.list(), auth);
    return { data, topLevelData: true };
  };
  const one = (auth: boolean) =>
    definePath({
      pattern: `${auth ? "auth" : "mounts"}/:path*`,
      fields: { path: { type: "string", default: "" } },
      sudo: auth,
      operations: {
        read: async (req, v) => {
          const t = splitTune(v.path);
          const full = (auth ? "auth/" : "") + normalizeMountPath(t.path);
          if (t.tune) return { data: await tune(s, full, req) };
          const e = await s.mounts.get(full);
          if (!e) throw new BadRequest(`no mount at "${full}"`);
          return { data: describe(e) };
        },
        update: async (req, v) => {
          const t = splitTune(v.path);
          if (t.tune) return { data: await tune(s, (auth ? "auth/" : "") + normalizeMountPath(t.path), req) };
          return enable(s, req, v.path, auth);
        },
        delete: (_req, v) => disable(s, v.path, auth),
      },
      help: auth
        ? "Enables, tunes or disables an auth method."
        : "Enables, tunes or disables a secrets engine.",
    });
  return [
    definePath({
      pattern: "mounts",
      fields: {},
      operations: { read: table(false) },
      help: "Lists secrets engines.",
    }),
    definePath({
      pattern: "auth",
      fields: {},
      operations: { read: table(true) },
      help: "Lists auth methods.",
    }),
    one(false),
    one(true),
    definePath({
      pattern: "internal/ui/mounts/:path*",
      fields: { path: { type: "string", default: "" } },
      operations: {
        read: async (req, v) => {
          if (v.path === "") {
            const all = await s.mounts.list();
            return { data: { secret: listing(all, false), auth: listing(all, true) } };
          }
          const hit = s.router.match(v.path);
          if (!hit) throw new BadRequest(`no mount matching path "${v.path.slice(0, 200)}"`);
          const caller = req.caller.token;
          if (!caller) throw new PermissionDenied();
          const acl = await s.acls.acl(caller.policies);
          const entry = hit.mounted.entry;
          const ctx = { remoteAddress: req.caller.remoteAddress, now: new Date(s.now()) };
          const rest = v.path.slice(Math.min(entry.path.length, v.path.length));
          const candidates = [v.path, `${entry.path}data/${rest}`, `${entry.path}metadata/${rest}`];
          const granted = candidates.some((p) => acl.capabilities(p, ctx).some((c) => c !== "deny"));
          if (!granted) {
            throw new PermissionDenied(
              `preflight capability check returned 403, please ensure client's policies grant access to path "${v.path.slice(0, 200)}"`,
            );
          }
          if (entry.path.startsWith("auth/")) throw new NotFound("");
          return { data: { path: entry.path, ...describe(entry) } };
        },
      },
      help: "Mount information for a path (used by the kv CLI to detect KV versions).",
    }),
  ];
}
