/**
 * KV v2 `metadata/<path>`: read a key's metadata and version map, LIST keys hierarchically, write or
 * PATCH the key settings (max_versions, cas_required, delete_version_after, custom_metadata), and
 * delete the key with every version. An empty or unknown listing answers NotFound("") (404).
 */
import { z } from "zod";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Request } from "../../core/request.js";
import { definePath } from "../../framework/backend.js";
import { mergePatch } from "./merge-patch.js";
import {
  deleteKey,
  listKeys,
  newKeyMeta,
  readMeta,
  writeMeta,
  type KeyMeta,
  type KvContext,
} from "./store.js";
import { requireSecretPath } from "../../framework/user-path.js";
import { customMetadataBody, formatDuration, formatTime } from "./wire.js";

const MAX_CUSTOM_KEYS = 64;
const MAX_CUSTOM_KEY_LENGTH = 128;
const MAX_CUSTOM_VALUE_LENGTH = 512;

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const customMetadataSchema = z.record(z.string(), scalar);

/** Parses and checks custom_metadata against Vault's limits (64 keys, 128-byte keys, 512-byte values). */
function parseCustomMetadata(raw: unknown): Record<string, string> {
  const parsed = customMetadataSchema.safeParse(raw);
  if (!parsed.success) throw new BadRequest('invalid "custom_metadata": expected an object of strings');
  const problems: string[] = [];
  const entries = Object.entries(parsed.data);
  if (entries.length > MAX_CUSTOM_KEYS) {
    problems.push(`payload must contain at most ${MAX_CUSTOM_KEYS} keys, provided ${entries.length}`);
  }
  for (const [key, value] of entries) {
    const keyLength = Buffer.byteLength(key);
    if (keyLength === 0 || keyLength > MAX_CUSTOM_KEY_LENGTH) {
      problems.push(
        `length of key ${JSON.stringify(key)} is ${keyLength} but must be 0 < len(key) <= ${MAX_CUSTOM_KEY_LENGTH}`,
      );
    }
    if (Buffer.byteLength(value) > MAX_CUSTOM_VALUE_LENGTH) {
      problems.push(
        `length of value for key ${JSON.stringify(key)} is ${Buffer.byteLength(value)} but must be <= ${MAX_CUSTOM_VALUE_LENGTH}`,
      );
    }
    if (/\p{C}/u.test(key)) problems.push(`key ${JSON.stringify(key)} contains unprintable characters`);
    if (/\p{C}/u.test(value))
      problems.push(`value for key ${JSON.stringify(key)} contains unprintable characters`);
  }
  if (problems.length > 0) throw new BadRequest(problems.join("; "));
  return Object.fromEntries(entries);
}

function requireNonNegative(value: number, field: string): number {
  if (value < 0) throw new BadRequest(`"${field}" must not be negative`);
  return value;
}

function metadataBody(meta: KeyMeta): Record<string, unknown> {
  const versions = Object.fromEntries(
    Object.entries(meta.versions).map(([n, vm]) => [
      n,
      {
        created_time: formatTime(vm.created),
        deletion_time: vm.deleted === null ? "" : formatTime(vm.deleted),
        destroyed: vm.destroyed,
      },
    ]),
  );
  return {
    cas_required: meta.casRequired,
    created_time: formatTime(meta.created),
    current_version: meta.currentVersion,
    custom_metadata: customMetadataBody(meta),
    delete_version_after: formatDuration(meta.deleteVersionAfter),
    max_versions: meta.maxVersions,
    oldest_version: meta.oldestVersion,
    updated_time: formatTime(meta.updated),
    versions,
  };
}

const fields = {
  path: { type: "string", default: "", description: "Location of the secret." },
  max_versions: { type: "int", description: "Versions to keep; 0 uses the mount's setting." },
  cas_required: { type: "bool", description: "Require the cas option on every write of this key." },
  delete_version_after: { type: "duration", description: "Time after which a new version reads as deleted." },
  custom_metadata: { type: "json", description: "String key/value pairs describing the secret." },
} as const;

interface Settings {
  max_versions: number | undefined;
  cas_required: boolean | undefined;
  delete_version_after: number | undefined;
}

/** Applies the settings the caller sent; a JSON null (PATCH) resets a setting to its default. */
function applySettings(req: Request, meta: KeyMeta, v: Settings): KeyMeta {
  const reset = (name: string) => req.data[name] === null;
  return {
    ...meta,
    maxVersions: reset("max_versions")
      ? 0
      : requireNonNegative(v.max_versions ?? meta.maxVersions, "max_versions"),
    casRequired: reset("cas_required") ? false : (v.cas_required ?? meta.casRequired),
    deleteVersionAfter: reset("delete_version_after")
      ? 0
      : (v.delete_version_after ?? meta.deleteVersionAfter),
  };
}

export const metadataPath = (ctx: KvContext) =>
  definePath({
    pattern: "metadata/:path*",
    fields,
    exists: async (req, { path }) => (await readMeta(req.storage, path)) !== undefined,
    operations: {
      read: async (req, { path }) => {
        const meta = await readMeta(req.storage, requireSecretPath(path));
        if (!meta) throw new NotFound("");
        return { data: metadataBody(meta) };
      },
      list: async (req, { path }) => {
        const keys = await listKeys(req.storage, path);
        if (keys.length === 0) throw new NotFound("");
        return { data: { keys } };
      },
      update: (req, values) =>
        ctx.locks.run(requireSecretPath(values.path), async () => {
          const now = ctx.clock.now();
          const meta = (await readMeta(req.storage, values.path)) ?? newKeyMeta(now);
          const custom = values.custom_metadata;
          const next = applySettings(req, meta, values);
          const customMetadata = custom === undefined ? meta.customMetadata : parseCustomMetadata(custom);
          await writeMeta(req.storage, values.path, { ...next, customMetadata, updated: now });
          return undefined;
        }),
      patch: (req, values) =>
        ctx.locks.run(requireSecretPath(values.path), async () => {
          const meta = await readMeta(req.storage, values.path);
          if (!meta) throw new NotFound("");
          const next = applySettings(req, meta, values);
          const custom = req.data.custom_metadata;
          const customMetadata =
            custom === undefined
              ? meta.customMetadata
              : parseCustomMetadata(mergePatch(meta.customMetadata, custom) ?? {});
          await writeMeta(req.storage, values.path, { ...next, customMetadata, updated: ctx.clock.now() });
          return undefined;
        }),
      delete: (req, { path }) =>
        ctx.locks.run(requireSecretPath(path), async () => {
          const meta = await readMeta(req.storage, path);
          if (meta) await deleteKey(req.storage, path, meta);
          return undefined;
        }),
    },
    help: "Reads, lists, configures and permanently deletes secrets with all their versions.",
  });
