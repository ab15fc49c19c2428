/**
 * The router: longest-prefix match of a request path against the mounted backends. Each mount gets a
 * storage view prefixed with its UUID ("logical/<uuid>/" or "auth/<uuid>/"), so a backend can never
 * read another mount's data. Backends are built by a factory the composition root injects; the core
 * never imports engines.
 */
import { BackendRouter, type Backend } from "../framework/backend.js";
import type { MountEntry } from "./mount-table.js";
import type { StorageView } from "./request.js";

export type BackendFactory = (entry: MountEntry) => Backend;

export interface Mounted {
  readonly entry: MountEntry;
  readonly backend: Backend;
  readonly router: BackendRouter;
  readonly storage: StorageView;
}

export function mountStoragePrefix(entry: MountEntry): string {
  return entry.path.startsWith("auth/") ? `auth/${entry.uuid}/` : `logical/${entry.uuid}/`;
}

export class Router {
  private mounts: Mounted[] = [];

  constructor(
    private readonly factory: BackendFactory,
    private readonly root: () => StorageView,
  ) {}

  async mount(entry: MountEntry): Promise<Mounted> {
    const backend = this.factory(entry);
    await backend.initialize?.();
    const mounted: Mounted = {
      entry,
      backend,
      router: new BackendRouter(backend),
      storage: this.root().sub(mountStoragePrefix(entry)),
    };
    this.mounts = [...this.mounts.filter((m) => m.entry.path !== entry.path), mounted].sort(
      (a, b) => b.entry.path.length - a.entry.path.length,
    );
    return mounted;
  }

  /** Replaces the entry of a live mount (after tune) without rebuilding its backend. */
  retune(entry: MountEntry): void {
    this.mounts = this.mounts.map((m) => (m.entry.path === entry.path ? { ...m, entry } : m));
  }

  async unmount(path: string): Promise<void> {
    const found = this.mounts.find((m) => m.entry.path === path);
    this.mounts = this.mounts.filter((m) => m !== found);
    await found?.backend.close?.();
  }

  /** The mount serving `path` and the path relative to it. "secret" matches the mount "secret/". */
  match(path: string): { mounted: Mounted; relative: string } | undefined {
    for (const mounted of this.mounts) {
      const mp = mounted.entry.path;
      if (path.startsWith(mp)) return { mounted, relative: path.slice(mp.length) };
      if (`${path}/` === mp) return { mounted, relative: "" };
    }
    return undefined;
  }

  list(): readonly Mounted[] {
    return this.mounts;
  }

  async clear(): Promise<void> {
    const all = this.mounts;
    this.mounts = [];
    await Promise.all(all.map(async (m) => m.backend.close?.()));
  }
}
