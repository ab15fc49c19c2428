/**
 * Server configuration: a Vault-style HCL (or JSON) file, then environment variables, which win.
 * Invalid configuration stops start-up with one clear line naming the setting (ConfigError).
 */
import { readFileSync } from "node:fs";
import hcl from "js-hcl-parser";
import { z } from "zod";
import { parseDuration } from "../framework/fields.js";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export type StorageConfig =
  | { readonly type: "sqlite"; readonly path: string }
  | {
      readonly type: "postgresql";
      readonly connectionUrl: string;
      readonly table: string;
      readonly poolSize: number;
    }
  | { readonly type: "inmem" };

export interface ServerConfig {
  readonly storage: StorageConfig;
  readonly listener: {
    readonly host: string;
    readonly port: number;
    readonly tls?: { readonly certFile: string; readonly keyFile: string };
    readonly maxRequestSize: number;
    readonly trustedProxies: readonly string[];
  };
  readonly apiAddr: string;
  readonly clusterName: string;
  readonly logLevel: string;
  /** Entries of the barrier's decrypted read cache (Vault's cache_size); 0 when disable_cache. */
  readonly cacheEntries: number;
  readonly telemetry: { readonly unauthenticatedMetricsAccess: boolean; readonly prometheusEnabled: boolean };
  readonly admin?: { readonly username: string; readonly passwordHash: string };
  /** Redis for state shared by all nodes (login lockout): env REDIS_URL or `redis_url` in the file. */
  readonly redisUrl?: string;
  /** Auto-unseal through AWS KMS (`seal "awskms" {...}`, or AUTO_UNSEAL_ENABLED + AWS_KMS_KEY_ID); else Shamir. */
  readonly seal?: {
    readonly type: "awskms";
    readonly keyId: string;
    readonly region?: string;
    readonly endpoint?: string;
  };
  /** Login lockout (issue #3): `user_lockout "all" {...}` in the file, LOGIN_LOCKOUT_* in the environment. */
  readonly loginLockout?: {
    readonly threshold: number;
    readonly durationSeconds: number;
    readonly counterResetSeconds: number;
    readonly disabled: boolean;
  };
}

/** HCL1 turns every block into an array of one-key objects; this flattens `storage "sqlite" {..}`. */
function block(raw: unknown, name: string): { label: string; body: Record<string, unknown> } | undefined {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length > 1) throw new ConfigError(`config: only one ${name} block is supported`);
  const first: unknown = list[0];
  if (first === undefined) return undefined;
  if (typeof first !== "object" || first === null) throw new ConfigError(`config: ${name} must be a block`);
  const entries = Object.entries(first);
  const [label, body] = entries[0] ?? [];
  if (entries.length !== 1 || label === undefined)
    throw new ConfigError(`config: ${name} needs exactly one label, e.g. ${name} "x" { ... }`);
  const inner: unknown = Array.isArray(body) ? body[0] : body;
  if (typeof inner !== "object" || inner === null)
    throw new ConfigError(`config: ${name} "${label}" must have a body`);
  return { label, body: inner as Record<string, unknown> };
}

function unwrap(raw: unknown): Record<string, unknown> {
  const inner: unknown = Array.isArray(raw) ? raw[0] : raw;
  return typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>) : {};
}

const fileSchema = z
  .object({
    storage: z.unknown().optional(),
    listener: z.unknown().optional(),
    telemetry: z.unknown().optional(),
    user_lockout: z.unknown().optional(),
    seal: z.unknown().optional(),
    api_addr: z.string().optional(),
    cluster_name: z.string().optional(),
    log_level: z.string().optional(),
    ui: z.boolean().optional(),
    disable_mlock: z.boolean().optional(),
    max_request_size: z.number().optional(),
    cache_size: z.number().int().min(0).optional(),
    disable_cache: z.boolean().optional(),
    redis_url: z.string().optional(),
  })
  .strict();

function str(body: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new ConfigError(`config: ${where}.${key} must be a string`);
  return v;
}

function bool(body: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new ConfigError(`config: ${where}.${key} must be a boolean`);
}

function parsePort(text: string, where: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`config: ${where} must be a port number (0-65535), got "${text}"`);
  return n;
}

export function parseConfigText(text: string, source = "config"): Record<string, unknown> {
  const trimmed = text.trim();
  let parsed: unknown;
  try {
    if (trimmed.startsWith("{")) parsed = JSON.parse(trimmed);
    else {
      const json = hcl.parse(trimmed);
      if (typeof json !== "string" || !json.trim().startsWith("{")) throw new Error(String(json));
      parsed = JSON.parse(json);
    }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`config: ${source} is not valid HCL or JSON: ${msg.split("\n")[0]}`);
  }
  const result = fileSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.code === "unrecognized_keys" ? issue.keys.join(", ") : issue?.path.join(".");
    throw new ConfigError(`config: ${source}: unknown or invalid setting "${key ?? "?"}"`);
  }
  return result.data;
}

export function loadConfig(opts: {
  file?: string;
  env: Readonly<Record<string, string | undefined>>;
  dev?: boolean;
}): ServerConfig {
  let file: Record<string, unknown> = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, "utf8");
    } catch {
      throw new ConfigError(`config: cannot read config file "${opts.file}"`);
    }
    file = parseConfigText(text, opts.file);
  }
  const env = opts.env;

  const storageBlock = block(file.storage, "storage");
  let storage: StorageConfig = opts.dev ? { type: "inmem" } : { type: "sqlite", path: "./data/secrethub.db" };
  if (storageBlock) {
    const where = `storage "${storageBlock.label}"`;
    switch (storageBlock.label) {
      case "sqlite":
      case "file":
        storage = { type: "sqlite", path: str(storageBlock.body, "path", where) ?? "./data/secrethub.db" };
        break;
      case "postgresql": {
        const url = str(storageBlock.body, "connection_url", where);
        if (!url) throw new ConfigError(`config: ${where}.connection_url is required`);
        storage = {
          type: "postgresql",
          connectionUrl: url,
          table: str(storageBlock.body, "table", where) ?? "secrethub_kv",
          poolSize: 10,
        };
        break;
      }
      case "inmem":
        storage = { type: "inmem" };
        break;
      default:
        throw new ConfigError(
          `config: unknown storage type "${storageBlock.label}" (use sqlite, postgresql or inmem)`,
        );
    }
  }
  if (env.DATABASE_URL) {
    storage = {
      type: "postgresql",
      connectionUrl: env.DATABASE_URL,
      table: storage.type === "postgresql" ? storage.table : "secrethub_kv",
      poolSize: 10,
    };
  }
  if (storage.type === "postgresql" && env.DB_POOL_SIZE) {
    const n = Number(env.DB_POOL_SIZE);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw new ConfigError(`config: DB_POOL_SIZE must be an integer 1-1000, got "${env.DB_POOL_SIZE}"`);
    storage = { ...storage, poolSize: n };
  }

  const listenerBlock = block(file.listener, "listener");
  if (listenerBlock && listenerBlock.label !== "tcp")
    throw new ConfigError(`config: unknown listener type "${listenerBlock.label}" (use tcp)`);
  const lb = listenerBlock?.body ?? {};
  const address = str(lb, "address", 'listener "tcp"') ?? "127.0.0.1:8200";
  const colon = address.lastIndexOf(":");
  if (colon <= 0) throw new ConfigError(`config: listener "tcp".address must be host:port, got "${address}"`);
  const host = address.slice(0, colon).replace(/^\[|\]$/g, "");
  let port = parsePort(address.slice(colon + 1), 'listener "tcp".address port');
  if (env.PORT !== undefined && env.PORT !== "") port = parsePort(env.PORT, "PORT");
  const tlsDisable = bool(lb, "tls_disable", 'listener "tcp"') ?? true;
  const certFile = str(lb, "tls_cert_file", 'listener "tcp"');
  const keyFile = str(lb, "tls_key_file", 'listener "tcp"');
  if (!tlsDisable && (!certFile || !keyFile))
    throw new ConfigError(
      'config: listener "tcp" needs tls_cert_file and tls_key_file unless tls_disable = true',
    );
  const proxiesRaw = lb.x_forwarded_for_authorized_addrs;
  const trustedProxies =
    typeof proxiesRaw === "string"
      ? proxiesRaw
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : Array.isArray(proxiesRaw)
        ? proxiesRaw.filter((x): x is string => typeof x === "string")
        : [];
  const maxRequestSize =
    typeof lb.max_request_size === "number"
      ? lb.max_request_size
      : typeof file.max_request_size === "number"
        ? file.max_request_size
        : 32 * 1024 * 1024;
  if (maxRequestSize <= 0) throw new ConfigError('config: listener "tcp".max_request_size must be positive');

  const telemetry = unwrap(file.telemetry);
  const listenerTelemetry = unwrap(lb.telemetry);
  const scheme = tlsDisable ? "http" : "https";
  const displayHost =
    host === "0.0.0.0" || host === "" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const logLevel = (
    env.LOG_LEVEL ?? (typeof file.log_level === "string" ? file.log_level : "info")
  ).toLowerCase();
  if (!["trace", "debug", "info", "warn", "error", "fatal", "silent"].includes(logLevel))
    throw new ConfigError(
      `config: log_level must be one of trace, debug, info, warn, error, got "${logLevel}"`,
    );

  const admin =
    env.ADMIN_USERNAME && env.ADMIN_PASSWORD_HASH
      ? { username: env.ADMIN_USERNAME, passwordHash: env.ADMIN_PASSWORD_HASH }
      : undefined;
  // Admin bootstrap (issue #3): both or neither, and the hash must be bcrypt ($2a$/$2b$/$2y$).
  if (Boolean(env.ADMIN_USERNAME) !== Boolean(env.ADMIN_PASSWORD_HASH))
    throw new ConfigError("config: ADMIN_USERNAME and ADMIN_PASSWORD_HASH must be set together");
  if (admin && !/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(admin.passwordHash))
    throw new ConfigError("config: ADMIN_PASSWORD_HASH must be a bcrypt hash ($2b$12$...)");
  const loginLockout = lockoutConfig(file.user_lockout, env);
  const seal = sealConfig(file.seal, env);
  const redisUrl = env.REDIS_URL || (typeof file.redis_url === "string" ? file.redis_url : undefined);
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    throw new ConfigError("config: REDIS_URL must be a redis:// or rediss:// URL");
  return {
    ...(redisUrl ? { redisUrl } : {}),
    ...(seal ? { seal } : {}),
    storage,
    listener: {
      host,
      port,
      ...(tlsDisable || !certFile || !keyFile ? {} : { tls: { certFile, keyFile } }),
      maxRequestSize,
      trustedProxies,
    },
    apiAddr:
      env.SECRETHUB_API_ADDR ??
      env.VAULT_API_ADDR ??
      (typeof file.api_addr === "string" ? file.api_addr : `${scheme}://${displayHost}:${port}`),
    clusterName: typeof file.cluster_name === "string" ? file.cluster_name : "secrethub-cluster",
    logLevel,
    cacheEntries:
      file.disable_cache === true ? 0 : typeof file.cache_size === "number" ? file.cache_size : 32768,
    telemetry: {
      unauthenticatedMetricsAccess:
        bool(telemetry, "unauthenticated_metrics_access", "telemetry") ??
        bool(listenerTelemetry, "unauthenticated_metrics_access", 'listener "tcp".telemetry') ??
        false,
      prometheusEnabled: env.PROMETHEUS_ENABLED === "true" || env.PROMETHEUS_ENABLED === "1",
    },
    ...(admin ? { admin } : {}),
    loginLockout,
  };
}

/** Login lockout (issue #3): Vault's `user_lockout "all"` stanza, then LOGIN_LOCKOUT_* variables. */
function lockoutConfig(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
): NonNullable<ServerConfig["loginLockout"]> {
  const stanza = block(raw, "user_lockout");
  if (stanza && stanza.label !== "all") throw new ConfigError('config: only user_lockout "all" is supported');
  const body = stanza?.body ?? {};
  const where = 'user_lockout "all"';
  const seconds = (value: unknown, name: string, fallback: number): number => {
    if (value === undefined || value === "") return fallback;
    try {
      const n = parseDuration(value, name);
      if (n > 0) return n;
    } catch {
      // reported below
    }
    throw new ConfigError(
      `config: ${name} must be a positive duration such as "15m", got ${JSON.stringify(value)}`,
    );
  };
  const thresholdRaw = env.LOGIN_LOCKOUT_THRESHOLD ?? body.lockout_threshold;
  const threshold = thresholdRaw === undefined ? 5 : Number(thresholdRaw);
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new ConfigError(
      `config: LOGIN_LOCKOUT_THRESHOLD must be a positive integer, got "${String(thresholdRaw)}"`,
    );
  const disableEnv = env.LOGIN_LOCKOUT_DISABLE;
  return {
    threshold,
    durationSeconds: seconds(
      env.LOGIN_LOCKOUT_DURATION ?? body.lockout_duration,
      "LOGIN_LOCKOUT_DURATION",
      900,
    ),
    counterResetSeconds: seconds(
      env.LOGIN_LOCKOUT_COUNTER_RESET ?? body.lockout_counter_reset,
      "LOGIN_LOCKOUT_COUNTER_RESET",
      900,
    ),
    disabled:
      disableEnv !== undefined && disableEnv !== ""
        ? disableEnv === "true" || disableEnv === "1"
        : (bool(body, "disable_lockout", where) ?? false),
  };
}

/**
 * The seal: Vault's `seal "awskms" { kms_key_id, region, endpoint }` block, or the runbook's
 * environment (AUTO_UNSEAL_ENABLED=true with AWS_KMS_KEY_ID), or Vault's (VAULT_SEAL_TYPE=awskms with
 * VAULT_AWSKMS_SEAL_KEY_ID). AWS_KMS_ENDPOINT overrides the endpoint; AWS_REGION and credentials
 * are the AWS SDK's own (environment, shared files, instance or task roles).
 */
function sealConfig(raw: unknown, env: Readonly<Record<string, string | undefined>>): ServerConfig["seal"] {
  const b = block(raw, "seal");
  if (b && b.label !== "awskms" && b.label !== "shamir")
    throw new ConfigError(`config: unknown seal type "${b.label}" (use awskms or shamir)`);
  const fromFile = b?.label === "awskms" ? b.body : undefined;
  const autoEnv = env.AUTO_UNSEAL_ENABLED?.toLowerCase();
  if (autoEnv !== undefined && autoEnv !== "" && autoEnv !== "true" && autoEnv !== "false")
    throw new ConfigError(
      `config: AUTO_UNSEAL_ENABLED must be true or false, got "${env.AUTO_UNSEAL_ENABLED}"`,
    );
  const vaultEnv = env.VAULT_SEAL_TYPE?.toLowerCase();
  if (vaultEnv && vaultEnv !== "awskms" && vaultEnv !== "shamir")
    throw new ConfigError(`config: VAULT_SEAL_TYPE must be awskms or shamir, got "${env.VAULT_SEAL_TYPE}"`);
  const wanted =
    autoEnv === "true" || vaultEnv === "awskms" || (fromFile !== undefined && autoEnv !== "false");
  if (!wanted) return undefined;
  const where = 'seal "awskms"';
  const keyId =
    env.AWS_KMS_KEY_ID ||
    env.VAULT_AWSKMS_SEAL_KEY_ID ||
    (fromFile ? str(fromFile, "kms_key_id", where) : undefined);
  if (!keyId)
    throw new ConfigError(
      'config: auto-unseal needs a KMS key: set AWS_KMS_KEY_ID (or kms_key_id in the seal "awskms" block)',
    );
  const region = fromFile ? str(fromFile, "region", where) : undefined;
  const endpoint = env.AWS_KMS_ENDPOINT || (fromFile ? str(fromFile, "endpoint", where) : undefined);
  return { type: "awskms", keyId, ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
}
