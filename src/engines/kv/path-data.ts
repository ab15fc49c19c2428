/**
 * KV v2 `data/<path>`: read a version (latest or ?version=N), write a new version (check-and-set via
 * options.cas), PATCH the latest version with a JSON merge patch, and soft-delete the latest version.
 * A missing secret or version answers NotFound("") (404 with an empty errors array, as Vault does);
 * a deleted or destroyed version answers 404 with the normal body and data: null.
 */
import { z } from "zod";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Response, StorageView } from "../../core/request.js";
import { definePath } from "../../framework/backend.js";
import { isJsonObject, mergePatch } from "./merge-patch.js";
import {
  appendVersion,
  deleteVersionData,
  isLive,
  newKeyMeta,
  readConfig,
  readMeta,
  readVersionData,
  writeMeta,
  writeVersionData,
  type KeyMeta,
  type KvContext,
  type MountConfig,
  type VersionMeta,
} from "./store.js";
import { requireSecretPath } from "../../framework/user-path.js";
import { versionBody } from "./wire.js";

const optionsSchema = z
  .object({
    cas: z
      .union([
        z.number().int(),
        z
          .string()
          .regex(/^-?\d+$/)
          .transform(Number),
      ])
      .optional(),
  })
  .nullish();

function parseCas(options: unknown): number | undefined {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new BadRequest('invalid "options": cas must be an integer');
  return parsed.data?.cas;
}

/** Vault's check-and-set rules; cas 0 means "only if the key has no version yet". */
export function checkCas(cas: number | undefined, meta: KeyMeta, config: MountConfig): void {
  if (cas === undefined) {
    if (meta.casRequired || config.casRequired) {
      throw new BadRequest("check-and-set parameter required for this call");
    }
    return;
  }
  if (cas !== meta.currentVersion) {
    throw new BadRequest("check-and-set parameter did not match the current version");
  }
}

function requireData(data: unknown): Record<string, unknown> {
  if (data === undefined || data === null) throw new BadRequest("no data provided");
  if (!isJsonObject(data)) throw new BadRequest('invalid "data": expected a JSON object');
  return data;
}

/** The 404-with-body Vault returns for a version that exists but is deleted or destroyed. */
export function goneVersion(meta: KeyMeta, version: number, vm: VersionMeta, dataKey = "data"): Response {
  return { status: 404, data: { [dataKey]: null, metadata: versionBody(meta, version, vm) } };
}

/** Looks up version `requested` (0 = current); NotFound("") when the key or version is unknown. */
export function findVersion(
  meta: KeyMeta | undefined,
  requested: number,
): { meta: KeyMeta; version: number; vm: VersionMeta } {
  if (!meta) throw new NotFound("");
  const version = requested === 0 ? meta.currentVersion : requested;
  const vm = meta.versions[String(version)];
  if (!vm) throw new NotFound("");
  return { meta, version, vm };
}

async function commitVersion(
  view: StorageView,
  path: string,
  meta: KeyMeta,
  config: MountConfig,
  data: Record<string, unknown>,
  now: number,
): Promise<Response> {
  const next = appendVersion(meta, config, now);
  // Data before metadata, prune after: a crash leaves orphaned data, never metadata without data.
  await writeVersionData(view, path, next.version, data);
  await writeMeta(view, path, next.meta);
  for (const version of next.pruned) await deleteVersionData(view, path, version);
  const vm = next.meta.versions[String(next.version)];
  return { data: vm ? versionBody(next.meta, next.version, vm) : null };
}

const fields = {
  path: { type: "string", default: "", description: "Location of the secret." },
  version: { type: "int", default: 0, description: "Version to read; 0 reads the latest." },
  data: { type: "json", description: "The secret's key/value pairs (write) or merge patch (PATCH)." },
  options: { type: "json", description: 'Write options; "cas" is the check-and-set version.' },
} as const;

export const dataPath = (ctx: KvContext) =>
  definePath({
    pattern: "data/:path*",
    fields,
    exists: async (req, { path }) => (await readMeta(req.storage, path)) !== undefined,
    operations: {
      read: async (req, { path, version }) => {
        const found = findVersion(await readMeta(req.storage, requireSecretPath(path)), version);
        if (!isLive(found.vm, ctx.clock.now())) return goneVersion(found.meta, found.version, found.vm);
        const data = await readVersionData(req.storage, path, found.version);
        if (!data) throw new NotFound("");
        return { data: { data, metadata: versionBody(found.meta, found.version, found.vm) } };
      },
      update: (req, { path, data, options }) =>
        ctx.locks.run(requireSecretPath(path), async () => {
          const secret = requireData(data);
          const cas = parseCas(options);
          const now = ctx.clock.now();
          const config = await readConfig(req.storage);
          const meta = (await readMeta(req.storage, path)) ?? newKeyMeta(now);
          checkCas(cas, meta, config);
          return commitVersion(req.storage, path, meta, config, secret, now);
        }),
      patch: (req, { path, data, options }) =>
        ctx.locks.run(requireSecretPath(path), async () => {
          const patch = requireData(data);
          const cas = parseCas(options);
          const now = ctx.clock.now();
          const config = await readConfig(req.storage);
          const meta = await readMeta(req.storage, path);
          if (!meta) throw new NotFound("");
          checkCas(cas, meta, config);
          const latest = findVersion(meta, 0);
          if (!isLive(latest.vm, now)) return goneVersion(meta, latest.version, latest.vm);
          const current = await readVersionData(req.storage, path, latest.version);
          if (!current) throw new NotFound("");
          const merged = mergePatch(current, patch);
          if (!isJsonObject(merged)) throw new BadRequest('invalid "data": expected a JSON object');
          return commitVersion(req.storage, path, meta, config, merged, now);
        }),
      delete: (req, { path }) =>
        ctx.locks.run(requireSecretPath(path), async () => {
          const now = ctx.clock.now();
          const meta = await readMeta(req.storage, path);
          const vm = meta?.versions[String(meta.currentVersion)];
          if (!meta || !vm || !isLive(vm, now)) return undefined;
          const versions = { ...meta.versions, [String(meta.currentVersion)]: { ...vm, deleted: now } };
          await writeMeta(req.storage, path, { ...meta, versions });
          return undefined;
        }),
    },
    help: "Reads, writes, patches and soft-deletes versions of a secret.",
  });
