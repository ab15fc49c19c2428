/**
 * The secrets-engine registry: mount type -> backend factory. A new engine is a folder under
 * engines/ and one line here; server/ composes mounts from this map and nothing else. "kv-v2" is
 * Vault's alias for a kv mount with options.version = "2".
 */
import type { Backend, BackendConfig } from "../framework/backend.js";
import { cubbyholeBackend } from "./cubbyhole/index.js";
import { kvBackend } from "./kv/index.js";

export const secretEngines = {
  kv: kvBackend,
  "kv-v2": (config: BackendConfig) => kvBackend({ ...config, options: { ...config.options, version: "2" } }),
  cubbyhole: cubbyholeBackend,
} as const satisfies Record<string, (config: BackendConfig) => Backend>;
