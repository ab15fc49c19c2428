import { z } from "zod";
import { ApiError } from "./api-error.js";
import { keysOf, listSecret, readSecret } from "./secret.js";
import { parseWith, type Requester } from "./transport.js";

export const initResponseSchema = z.looseObject({
  keys: z.array(z.string()),
  keys_base64: z.array(z.string()).optional(),
  /** Auto-unseal: recovery key shares instead of unseal key shares (then `keys` is empty). */
  recovery_keys: z.array(z.string()).optional(),
  recovery_keys_base64: z.array(z.string()).optional(),
  root_token: z.string(),
});
export type InitResponse = z.infer<typeof initResponseSchema>;

export const sealStatusSchema = z.looseObject({
  type: z.string().optional(),
  recovery_seal: z.boolean().optional(),
  initialized: z.boolean(),
  sealed: z.boolean(),
  t: z.number().optional(),
  n: z.number().optional(),
  progress: z.number().optional(),
  nonce: z.string().optional(),
  version: z.string().optional(),
  build_date: z.string().optional(),
  storage_type: z.string().optional(),
  cluster_name: z.string().optional(),
  cluster_id: z.string().optional(),
});
export type SealStatus = z.infer<typeof sealStatusSchema>;

export const healthSchema = z.looseObject({
  initialized: z.boolean(),
  sealed: z.boolean(),
  standby: z.boolean().optional(),
  version: z.string().optional(),
});
export type Health = z.infer<typeof healthSchema>;

export const leaderSchema = z.looseObject({ ha_enabled: z.boolean() });

export const mountSchema = z.looseObject({
  type: z.string(),
  description: z.string().optional(),
  accessor: z.string().optional(),
  config: z.record(z.string(), z.unknown()).nullable().optional(),
  options: z.record(z.string(), z.unknown()).nullable().optional(),
  local: z.boolean().optional(),
  seal_wrap: z.boolean().optional(),
});
export type MountInfo = z.infer<typeof mountSchema>;

export interface InitRequest {
  secret_shares: number;
  secret_threshold: number;
  [key: string]: unknown;
}

export interface MountRequest {
  type: string;
  description?: string;
  config?: Record<string, unknown>;
  options?: Record<string, string>;
  local?: boolean;
  seal_wrap?: boolean;
}

const initStatusSchema = z.looseObject({ initialized: z.boolean() });
const policySchema = z.looseObject({ name: z.string(), policy: z.string() });

/** `sys/` endpoints: init, seal, health, mounts, auth methods, ACL policies. */
export class SysApi {
  constructor(private readonly http: Requester) {}

  async initStatus(): Promise<boolean> {
    return parseWith(initStatusSchema, "sys/init", await this.http.request("GET", "sys/init")).initialized;
  }

  async init(request: InitRequest): Promise<InitResponse> {
    const body = await this.http.request("PUT", "sys/init", { body: request });
    return parseWith(initResponseSchema, "sys/init", body);
  }

  async unseal(key: string): Promise<SealStatus> {
    return this.sealStatusFrom("sys/unseal", await this.http.request("PUT", "sys/unseal", { body: { key } }));
  }

  async unsealReset(): Promise<SealStatus> {
    const body = await this.http.request("PUT", "sys/unseal", { body: { reset: true } });
    return this.sealStatusFrom("sys/unseal", body);
  }

  async seal(): Promise<void> {
    await this.http.request("PUT", "sys/seal");
  }

  async sealStatus(): Promise<SealStatus> {
    return this.sealStatusFrom("sys/seal-status", await this.http.request("GET", "sys/seal-status"));
  }

  /** Health answers 429/501/503 with a normal body for standby/uninitialised/sealed: not errors here. */
  async health(query: Record<string, string> = {}): Promise<{ status: number; health: Health }> {
    try {
      return {
        status: 200,
        health: parseWith(
          healthSchema,
          "sys/health",
          await this.http.request("GET", "sys/health", { query }),
        ),
      };
    } catch (error) {
      if (error instanceof ApiError) {
        const parsed = healthSchema.safeParse(error.body);
        if (parsed.success) return { status: error.status, health: parsed.data };
      }
      throw error;
    }
  }

  async leader(): Promise<z.infer<typeof leaderSchema>> {
    return parseWith(leaderSchema, "sys/leader", await this.http.request("GET", "sys/leader"));
  }

  async listMounts(): Promise<Record<string, MountInfo>> {
    return mountTable("sys/mounts", await this.http.request("GET", "sys/mounts"));
  }

  async enableMount(path: string, request: MountRequest): Promise<void> {
    await this.http.request("POST", `sys/mounts/${trimSlashes(path)}`, { body: request });
  }

  async disableMount(path: string): Promise<void> {
    await this.http.request("DELETE", `sys/mounts/${trimSlashes(path)}`);
  }

  async readMountTune(path: string): Promise<Record<string, unknown>> {
    const secret = await readSecret(this.http, `sys/mounts/${trimSlashes(path)}/tune`);
    return secret?.data ?? {};
  }

  async tuneMount(path: string, config: Record<string, unknown>): Promise<void> {
    await this.http.request("POST", `sys/mounts/${trimSlashes(path)}/tune`, { body: config });
  }

  async listAuth(): Promise<Record<string, MountInfo>> {
    return mountTable("sys/auth", await this.http.request("GET", "sys/auth"));
  }

  async enableAuth(path: string, request: Omit<MountRequest, "options">): Promise<void> {
    await this.http.request("POST", `sys/auth/${trimSlashes(path)}`, { body: request });
  }

  async disableAuth(path: string): Promise<void> {
    await this.http.request("DELETE", `sys/auth/${trimSlashes(path)}`);
  }

  async listPolicies(): Promise<string[]> {
    return keysOf(await listSecret(this.http, "sys/policies/acl"));
  }

  /** undefined when no such policy exists. */
  async readPolicy(name: string): Promise<{ name: string; policy: string } | undefined> {
    const secret = await readSecret(this.http, `sys/policies/acl/${name}`);
    return secret?.data ? parseWith(policySchema, "sys/policies/acl", secret.data) : undefined;
  }

  async writePolicy(name: string, policy: string): Promise<void> {
    await this.http.request("PUT", `sys/policies/acl/${name}`, { body: { policy } });
  }

  async deletePolicy(name: string): Promise<void> {
    await this.http.request("DELETE", `sys/policies/acl/${name}`);
  }

  /** The mount serving `path` (what `vault kv` asks first), or undefined on 404. */
  async uiMount(
    path: string,
  ): Promise<{ path: string; type: string; options: Record<string, unknown> } | undefined> {
    const secret = await readSecret(this.http, `sys/internal/ui/mounts/${trimSlashes(path)}`);
    if (!secret?.data) return undefined;
    const parsed = parseWith(uiMountSchema, "sys/internal/ui/mounts", secret.data);
    return { path: parsed.path, type: parsed.type, options: parsed.options ?? {} };
  }

  private sealStatusFrom(path: string, body: unknown): SealStatus {
    return parseWith(sealStatusSchema, path, body);
  }
}

const uiMountSchema = z.looseObject({
  path: z.string(),
  type: z.string(),
  options: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** sys/mounts and sys/auth duplicate the table at top level and under `data`; prefer `data`. */
function mountTable(path: string, body: unknown): Record<string, MountInfo> {
  const envelope = z.looseObject({ data: z.record(z.string(), z.unknown()).optional() });
  const source = parseWith(envelope, path, body);
  const raw: Record<string, unknown> = source.data ?? source;
  const table: Record<string, MountInfo> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!key.endsWith("/")) continue;
    table[key] = parseWith(mountSchema, `${path} ${key}`, value);
  }
  return table;
}

export function trimSlashes(path: string): string {
  return path.replace(/^\/+/, "").replace(/\/+$/, "");
}
