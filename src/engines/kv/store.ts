/**
 * KV v2 storage layout and version lifecycle, inside the mount's own view:
 *   config                      mount settings (max_versions, cas_required, delete_version_after)
 *   meta/<encoded user path>    one KeyMeta per secret: current/oldest version and a map of versions
 *   ver/<sha256(user path)>/<n> the data of version n
 * Metadata keys keep the user's hierarchy (percent-encoded per segment, see user-path.ts) so LIST on
 * metadata/ is a storage list. Version keys are hashed, as Vault salts them: their names carry nothing
 * and stay short however deep the user path is.
 * Invariant: everything read back is parsed with a schema; a record that fails to parse is an error,
 * never silently trusted.
 */
import { z } from "zod";
import type { Clock } from "../../core/clock.js";
import type { Locks } from "../../core/locks.js";
import { BoundedMemo } from "../../core/memo.js";
import { sha256Hex } from "../../crypto/hmac.js";
import type { StorageView } from "../../core/request.js";
import { isJsonObject } from "./merge-patch.js";
import { decodeListing, encodeListPrefix, encodeUserPath } from "../../framework/user-path.js";

const CONFIG_KEY = "config";
const META_PREFIX = "meta/";
const VERSION_PREFIX = "ver/";
/** Versions kept when neither the key nor the mount sets max_versions. */
export const DEFAULT_MAX_VERSIONS = 10;

const mountConfigSchema = z.object({
  maxVersions: z.number().int().nonnegative(),
  casRequired: z.boolean(),
  deleteVersionAfter: z.number().nonnegative(),
});
export type MountConfig = z.infer<typeof mountConfigSchema>;

const versionMetaSchema = z.object({
  created: z.number(),
  /** Epoch ms from which the version reads as deleted; may lie in the future (delete_version_after). */
  deleted: z.number().nullable(),
  destroyed: z.boolean(),
});
export type VersionMeta = z.infer<typeof versionMetaSchema>;

const keyMetaSchema = z.object({
  casRequired: z.boolean(),
  created: z.number(),
  updated: z.number(),
  currentVersion: z.number().int().nonnegative(),
  oldestVersion: z.number().int().nonnegative(),
  maxVersions: z.number().int().nonnegative(),
  deleteVersionAfter: z.number().nonnegative(),
  customMetadata: z.record(z.string(), z.string()),
  versions: z.record(z.string(), versionMetaSchema),
});
export type KeyMeta = z.infer<typeof keyMetaSchema>;

/**
 * Version data is the user's own JSON object. Checked with a guard rather than a zod record, because
 * zod silently drops a "__proto__" member and a secret must round-trip exactly.
 */
function parseVersionData(raw: unknown): Record<string, unknown> {
  if (isJsonObject(raw) && isJsonObject(raw.data)) return raw.data;
  throw new Error("kv: malformed version record");
}

/** What the KV v2 path specs share: the clock and per-key write serialisation. */
export interface KvContext {
  readonly clock: Clock;
  readonly locks: Locks;
}

export async function readConfig(view: StorageView): Promise<MountConfig> {
  const stored = await view.read(CONFIG_KEY, mountConfigSchema);
  return stored ?? { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 };
}

export function writeConfig(view: StorageView, config: MountConfig): Promise<void> {
  return view.write(CONFIG_KEY, config);
}

/** Storage keys of hot user paths, like pathDigests below. */
const metaKeys = new BoundedMemo<string>(4096, 256);

function metaKey(path: string): string {
  return metaKeys.get(path) ?? metaKeys.remember(path, META_PREFIX + encodeUserPath(path));
}

/** SHA-256 of hot user paths, computed on every read of them. */
const pathDigests = new BoundedMemo<string>(4096, 256);

function versionKey(path: string, version: number): string {
  const digest = pathDigests.get(path) ?? pathDigests.remember(path, sha256Hex(path));
  return `${VERSION_PREFIX}${digest}/${version}`;
}

export function readMeta(view: StorageView, path: string): Promise<KeyMeta | undefined> {
  return view.read(metaKey(path), keyMetaSchema);
}

export function writeMeta(view: StorageView, path: string, meta: KeyMeta): Promise<void> {
  return view.write(metaKey(path), meta);
}

export async function readVersionData(
  view: StorageView,
  path: string,
  version: number,
): Promise<Record<string, unknown> | undefined> {
  return view.read(versionKey(path, version), parseVersionData);
}

export function writeVersionData(
  view: StorageView,
  path: string,
  version: number,
  data: Record<string, unknown>,
): Promise<void> {
  return view.write(versionKey(path, version), { data });
}

export function deleteVersionData(view: StorageView, path: string, version: number): Promise<void> {
  return view.delete(versionKey(path, version));
}

/** Removes every version's data, then the metadata (a crash in between leaves only orphans). */
export async function deleteKey(view: StorageView, path: string, meta: KeyMeta): Promise<void> {
  for (const version of Object.keys(meta.versions)) {
    await deleteVersionData(view, path, Number(version));
  }
  await view.delete(metaKey(path));
}

/** User names directly below `folder` ("" = root); folders end in "/". */
export async function listKeys(view: StorageView, folder: string): Promise<string[]> {
  return decodeListing(await view.list(META_PREFIX + encodeListPrefix(folder)));
}

export function newKeyMeta(now: number): KeyMeta {
  return {
    casRequired: false,
    created: now,
    updated: now,
    currentVersion: 0,
    oldestVersion: 0,
    maxVersions: 0,
    deleteVersionAfter: 0,
    customMetadata: {},
    versions: {},
  };
}

export function isDeleted(vm: VersionMeta, now: number): boolean {
  return vm.deleted !== null && vm.deleted <= now;
}

export function isLive(vm: VersionMeta, now: number): boolean {
  return !vm.destroyed && !isDeleted(vm, now);
}

/** The key's max_versions overrides the mount's; 0 everywhere means DEFAULT_MAX_VERSIONS. */
export function effectiveMaxVersions(config: MountConfig, meta: KeyMeta): number {
  if (meta.maxVersions > 0) return meta.maxVersions;
  return config.maxVersions > 0 ? config.maxVersions : DEFAULT_MAX_VERSIONS;
}

/** A key's delete_version_after may only shorten the mount's; 0 means "not set". */
export function effectiveDeleteAfter(config: MountConfig, meta: KeyMeta): number {
  const set = [config.deleteVersionAfter, meta.deleteVersionAfter].filter((s) => s > 0);
  return set.length === 0 ? 0 : Math.min(...set);
}

export interface AppendedVersion {
  readonly meta: KeyMeta;
  readonly version: number;
  /** Versions past max_versions whose data the caller must delete. */
  readonly pruned: readonly number[];
}

/** Adds the next version to `meta` (not mutated) and prunes the oldest past max_versions. */
export function appendVersion(meta: KeyMeta, config: MountConfig, now: number): AppendedVersion {
  const version = meta.currentVersion + 1;
  const deleteAfter = effectiveDeleteAfter(config, meta);
  const versions: Record<string, VersionMeta> = {
    ...meta.versions,
    [String(version)]: {
      created: now,
      deleted: deleteAfter > 0 ? now + deleteAfter * 1000 : null,
      destroyed: false,
    },
  };
  let oldestVersion = meta.oldestVersion;
  const pruned: number[] = [];
  const lastToDrop = version - effectiveMaxVersions(config, meta);
  if (lastToDrop >= oldestVersion) {
    for (let v = oldestVersion; v <= lastToDrop; v++) {
      if (versions[String(v)]) pruned.push(v);
      delete versions[String(v)];
    }
    oldestVersion = lastToDrop + 1;
  }
  return {
    meta: { ...meta, currentVersion: version, oldestVersion, updated: now, versions },
    version,
    pruned,
  };
}
