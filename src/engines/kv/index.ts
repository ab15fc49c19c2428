/**
 * engines/kv owns the key/value secrets engine in both of Vault's flavours: v1 (one unversioned JSON
 * object per path) and v2 (versioned, with metadata, check-and-set, soft delete and destroy), chosen by
 * the mount option `version`. It stores only below its mount's view, through user-path.ts's encoding,
 * and must never import storage, http or server code, nor read another mount's data.
 */
import type { Backend, BackendConfig } from "../../framework/backend.js";
import { configPath } from "./path-config.js";
import { dataPath } from "./path-data.js";
import { deletePath, destroyPath, undeletePath } from "./path-delete.js";
import { metadataPath } from "./path-metadata.js";
import { subkeysPath } from "./path-subkeys.js";
import { v1Path } from "./path-v1.js";
import { LocalLocks, scopedLocks } from "../../core/locks.js";
import type { KvContext } from "./store.js";

/** A KV mount: `options.version === "2"` selects the versioned engine, anything else v1. */
export function kvBackend(config: BackendConfig): Backend {
  if (config.options.version !== "2") return { type: "kv", kind: "secret", paths: [v1Path()] };
  // Per mount: a check-and-set cycle of one key never interleaves with another, on any node.
  const ctx: KvContext = {
    clock: config.clock,
    locks: scopedLocks(config.locks ?? new LocalLocks(), `kv/${config.mountPath}`),
  };
  return {
    type: "kv",
    kind: "secret",
    paths: [
      configPath(ctx),
      dataPath(ctx),
      metadataPath(ctx),
      deletePath(ctx),
      undeletePath(ctx),
      destroyPath(ctx),
      subkeysPath(ctx),
    ],
  };
}
