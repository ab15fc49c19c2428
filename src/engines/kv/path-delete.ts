/**
 * KV v2 `delete/`, `undelete/` and `destroy/<path>`: soft-delete, restore, or permanently remove the
 * listed versions. Unknown keys and versions are skipped silently (204), as in Vault; destroyed
 * versions can never be restored.
 */
import { BadRequest } from "../../core/errors.js";
import type { StorageView } from "../../core/request.js";
import { definePath } from "../../framework/backend.js";
import {
  deleteVersionData,
  isDeleted,
  readMeta,
  writeMeta,
  type KeyMeta,
  type KvContext,
  type VersionMeta,
} from "./store.js";
import { requireSecretPath } from "../../framework/user-path.js";

function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

/** Accepts [1, 2], ["1", "2"], "1,2" or 3; at least one version is required. */
export function parseVersions(raw: unknown): number[] {
  const items: readonly unknown[] =
    typeof raw === "string"
      ? raw.split(",")
      : isList(raw)
        ? raw
        : raw === undefined || raw === null
          ? []
          : [raw];
  const versions: number[] = [];
  for (const item of items) {
    const text = typeof item === "number" ? String(item) : typeof item === "string" ? item.trim() : undefined;
    if (text === "") continue;
    if (text === undefined || !/^\d+$/.test(text))
      throw new BadRequest('invalid "versions": expected integers');
    versions.push(Number(text));
  }
  if (versions.length === 0) throw new BadRequest("no version number provided");
  return versions;
}

type VersionChange = (vm: VersionMeta, now: number) => VersionMeta | undefined;

/** Applies `change` to each listed version under the key's lock; returns the changed version numbers. */
async function changeVersions(
  ctx: KvContext,
  view: StorageView,
  path: string,
  rawVersions: unknown,
  change: VersionChange,
): Promise<{ meta: KeyMeta; changed: number[] } | undefined> {
  const versions = parseVersions(rawVersions);
  return ctx.locks.run(requireSecretPath(path), async () => {
    const meta = await readMeta(view, path);
    if (!meta) return undefined;
    const now = ctx.clock.now();
    const next = { ...meta.versions };
    const changed: number[] = [];
    for (const version of versions) {
      const vm = next[String(version)];
      const updated = vm && change(vm, now);
      if (!updated) continue;
      next[String(version)] = updated;
      changed.push(version);
    }
    if (changed.length > 0) await writeMeta(view, path, { ...meta, versions: next });
    return { meta, changed };
  });
}

const softDelete: VersionChange = (vm, now) =>
  vm.destroyed || isDeleted(vm, now) ? undefined : { ...vm, deleted: now };

// Undelete also clears a pending delete_version_after deadline, as Vault does.
const restore: VersionChange = (vm) =>
  vm.destroyed || vm.deleted === null ? undefined : { ...vm, deleted: null };

const destroy: VersionChange = (vm) => (vm.destroyed ? undefined : { ...vm, destroyed: true });

const fields = {
  path: { type: "string", default: "", description: "Location of the secret." },
  versions: { type: "json", description: "Version numbers: a list of integers or a comma-separated string." },
} as const;

export const deletePath = (ctx: KvContext) =>
  definePath({
    pattern: "delete/:path*",
    fields,
    operations: {
      update: async (req, { path, versions }) => {
        await changeVersions(ctx, req.storage, path, versions, softDelete);
        return undefined;
      },
    },
    help: "Soft-deletes the listed versions; undelete restores them.",
  });

export const undeletePath = (ctx: KvContext) =>
  definePath({
    pattern: "undelete/:path*",
    fields,
    operations: {
      update: async (req, { path, versions }) => {
        await changeVersions(ctx, req.storage, path, versions, restore);
        return undefined;
      },
    },
    help: "Restores soft-deleted versions; destroyed versions stay destroyed.",
  });

export const destroyPath = (ctx: KvContext) =>
  definePath({
    pattern: "destroy/:path*",
    fields,
    operations: {
      update: async (req, { path, versions }) => {
        const result = await changeVersions(ctx, req.storage, path, versions, destroy);
        // Data goes after the metadata marks the versions destroyed, so a crash never leaves a
        // readable version without data.
        for (const version of result?.changed ?? []) await deleteVersionData(req.storage, path, version);
        return undefined;
      },
    },
    help: "Permanently removes the data of the listed versions.",
  });
