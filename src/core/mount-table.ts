/**
 * The mount table: which backend type is mounted at which path, with its own storage UUID. Secret
 * engines and auth methods share one table ("auth/..." paths are auth mounts). Persisted through the
 * barrier at "core/mounts"; the in-memory copy is a cache with `invalidate()` for HA peers.
 */
import { z } from "zod";
import { BadRequest, NotFound } from "./errors.js";
import type { StorageView } from "./request.js";

export const MOUNTS_KEY = "mounts";

const mountEntrySchema = z.object({
  path: z.string(),
  type: z.string(),
  description: z.string(),
  accessor: z.string(),
  uuid: z.string(),
  options: z.record(z.string(), z.string()),
  config: z.object({
    default_lease_ttl: z.number(),
    max_lease_ttl: z.number(),
    listing_visibility: z.string().optional(),
  }),
  local: z.boolean(),
  seal_wrap: z.boolean(),
  namespace: z.string(),
});
export type MountEntry = z.infer<typeof mountEntrySchema>;

const tableSchema = z.array(mountEntrySchema);

/** Paths that can never be mounted over or removed. */
const PROTECTED = ["sys/", "auth/token/", "cubbyhole/", "identity/"];

export function normalizeMountPath(path: string): string {
  const trimmed = path.replace(/^\/+/, "").replace(/\/+$/, "");
  if (trimmed === "") throw new BadRequest("mount path must not be empty");
  if (trimmed.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw new BadRequest(`invalid mount path "${trimmed}"`);
  }
  return `${trimmed}/`;
}

export class MountTable {
  private entries: MountEntry[] | undefined;

  constructor(private readonly storage: StorageView) {}

  async list(): Promise<readonly MountEntry[]> {
    this.entries ??= (await this.storage.read(MOUNTS_KEY, tableSchema)) ?? [];
    return this.entries;
  }

  async get(path: string): Promise<MountEntry | undefined> {
    return (await this.list()).find((e) => e.path === path);
  }

  async add(entry: MountEntry): Promise<void> {
    const entries = await this.list();
    const clash = entries.find((e) => entry.path.startsWith(e.path) || e.path.startsWith(entry.path));
    if (clash) throw new BadRequest(`path is already in use at ${clash.path}`);
    await this.save([...entries, entry]);
  }

  async remove(path: string): Promise<MountEntry> {
    if (PROTECTED.includes(path)) throw new BadRequest(`cannot unmount "${path}"`);
    const entries = await this.list();
    const found = entries.find((e) => e.path === path);
    if (!found) throw new BadRequest(`no matching mount at "${path}"`);
    await this.save(entries.filter((e) => e !== found));
    return found;
  }

  async update(path: string, change: (entry: MountEntry) => MountEntry): Promise<MountEntry> {
    const entries = await this.list();
    const found = entries.find((e) => e.path === path);
    if (!found) throw new NotFound(`no mount at "${path}"`);
    const next = change(found);
    await this.save(entries.map((e) => (e === found ? next : e)));
    return next;
  }

  /** Drops the cache so the next read comes from storage (HA peers, seal). */
  invalidate(): void {
    this.entries = undefined;
  }

  private async save(entries: MountEntry[]): Promise<void> {
    await this.storage.write(MOUNTS_KEY, entries);
    this.entries = entries;
  }
}
