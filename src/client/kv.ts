import { z } from "zod";
import { ApiError, UnexpectedResponse } from "./api-error.js";
import {
  deleteSecret,
  listSecret,
  parseSecret,
  readSecret,
  writeSecret,
  type Data,
  type Secret,
} from "./secret.js";
import type { SysApi } from "./sys.js";
import type { Requester } from "./transport.js";

/** Where a KV path lives: its engine version and mount, as `vault kv` works them out. */
export interface KvLocation {
  version: 1 | 2;
  /** "secret/" with a trailing slash, or "" when the server did not say (v1 fallback). */
  mountPath: string;
  /** The full path the user named, mount included, no leading slash. */
  path: string;
}

export type KvApiPrefix = "data" | "metadata" | "delete" | "undelete" | "destroy";

/** `-mount=secret app/db` and `secret/app/db` name the same secret. */
export function joinMount(mount: string | undefined, path: string): string {
  const clean = path.replace(/^\/+/, "");
  if (mount === undefined || mount === "") return clean;
  return `${mount.replace(/^\/+/, "").replace(/\/+$/, "")}/${clean}`;
}

/**
 * Vault's addPrefixToKVPath: `secret/app/db` on mount `secret/` becomes `secret/data/app/db`; the mount
 * itself (with or without its slash) becomes `secret/data`. KV v1 paths are used unchanged.
 */
export function kvApiPath(location: KvLocation, prefix: KvApiPrefix): string {
  const { version, mountPath, path } = location;
  if (version === 1) return path;
  const mountNoSlash = mountPath.replace(/\/+$/, "");
  if (path === mountPath || path === mountNoSlash) return `${mountNoSlash}/${prefix}`;
  const rest = path.startsWith(mountPath) ? path.slice(mountPath.length) : path;
  return `${mountNoSlash}/${prefix}/${rest}`;
}

const metadataSchema = z.looseObject({
  current_version: z.number(),
  versions: z
    .record(
      z.string(),
      z.looseObject({ destroyed: z.boolean().optional(), deletion_time: z.string().optional() }),
    )
    .optional(),
});

export interface KvWriteOptions {
  cas?: number | undefined;
}

/** The KV engine, v1 and v2, with the same mount detection the vault CLI does. */
export class KvApi {
  constructor(
    private readonly http: Requester,
    private readonly sys: Pick<SysApi, "uiMount">,
  ) {}

  /** GET sys/internal/ui/mounts/<path>; a 404 means KV v1 (exactly what the vault CLI assumes). */
  async locate(path: string, mount?: string): Promise<KvLocation> {
    const full = joinMount(mount, path);
    let found: Awaited<ReturnType<SysApi["uiMount"]>>;
    try {
      found = await this.sys.uiMount(full);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) found = undefined;
      else throw error;
    }
    if (!found) return { version: 1, mountPath: "", path: full };
    const declared = found.options["version"];
    const version = declared === "2" || declared === 2 ? 2 : 1;
    const mountPath = found.path.endsWith("/") ? found.path : `${found.path}/`;
    return { version, mountPath, path: full };
  }

  /** The secret (v2: its data.data and data.metadata), undefined when absent. */
  async get(location: KvLocation, version?: number): Promise<Secret | undefined> {
    const query = version === undefined || location.version === 1 ? {} : { version };
    return readSecret(this.http, kvApiPath(location, "data"), query);
  }

  async put(location: KvLocation, data: Data, options: KvWriteOptions = {}): Promise<Secret | undefined> {
    if (location.version === 1) return writeSecret(this.http, location.path, data);
    const body = { data, options: options.cas === undefined ? {} : { cas: options.cas } };
    return writeSecret(this.http, kvApiPath(location, "data"), body);
  }

  /** JSON merge patch of the latest version (v2 only). */
  async patch(location: KvLocation, data: Data, options: KvWriteOptions = {}): Promise<Secret | undefined> {
    requireV2(location, "patch");
    const path = kvApiPath(location, "data");
    const body = { data, options: options.cas === undefined ? {} : { cas: options.cas } };
    const response = await this.http.request("PATCH", path, {
      body,
      contentType: "application/merge-patch+json",
    });
    return parseSecret(path, response);
  }

  async list(location: KvLocation): Promise<Secret | undefined> {
    return listSecret(this.http, kvApiPath(location, "metadata"));
  }

  /** Soft-deletes the latest version, or the given versions (v2). */
  async delete(location: KvLocation, versions?: readonly number[]): Promise<void> {
    if (location.version === 1 || versions === undefined || versions.length === 0) {
      await deleteSecret(this.http, kvApiPath(location, "data"));
      return;
    }
    await this.http.request("POST", kvApiPath(location, "delete"), { body: { versions } });
  }

  async undelete(location: KvLocation, versions: readonly number[]): Promise<void> {
    requireV2(location, "undelete");
    await this.http.request("POST", kvApiPath(location, "undelete"), { body: { versions } });
  }

  async destroy(location: KvLocation, versions: readonly number[]): Promise<void> {
    requireV2(location, "destroy");
    await this.http.request("PUT", kvApiPath(location, "destroy"), { body: { versions } });
  }

  async readMetadata(location: KvLocation): Promise<Secret | undefined> {
    requireV2(location, "metadata");
    return readSecret(this.http, kvApiPath(location, "metadata"));
  }

  async writeMetadata(location: KvLocation, body: Data): Promise<void> {
    requireV2(location, "metadata");
    await this.http.request("POST", kvApiPath(location, "metadata"), { body });
  }

  async deleteMetadata(location: KvLocation): Promise<void> {
    requireV2(location, "metadata");
    await this.http.request("DELETE", kvApiPath(location, "metadata"));
  }

  /** Writes version `version`'s data as a new version, guarded by check-and-set on the current one. */
  async rollback(location: KvLocation, version: number): Promise<Secret | undefined> {
    requireV2(location, "rollback");
    const metadata = await this.readMetadata(location);
    const parsed = metadataSchema.safeParse(metadata?.data);
    if (!parsed.success) throw new UnexpectedResponse(kvApiPath(location, "metadata"), "no version metadata");
    const target = parsed.data.versions?.[String(version)];
    if (!target) throw new KvError(`version ${version} does not exist`);
    if (target.destroyed) throw new KvError(`version ${version} has been destroyed`);
    if (target.deletion_time) throw new KvError(`version ${version} has been deleted`);
    const old = await this.get(location, version);
    const data = old?.data?.["data"];
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw new KvError(`version ${version} has no data`);
    }
    return this.put(location, { ...data }, { cas: parsed.data.current_version });
  }
}

/** A KV operation that cannot apply to this secret (wrong engine version, missing version). */
export class KvError extends Error {
  override name = "KvError";
}

function requireV2(location: KvLocation, operation: string): void {
  if (location.version !== 2)
    throw new KvError(`${operation} is only supported on KV version 2 (${location.path} is on version 1)`);
}
