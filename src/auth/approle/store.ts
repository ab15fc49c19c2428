/**
 * AppRole storage inside the mount's view. Layout:
 *   role/<name>                      the role (lower-cased name)
 *   role-id/<sha256(role_id)>        role_id -> role name index
 *   secret-id/<role uuid>/<hmac>     a secret id, keyed by HMAC-SHA256(role's key, secret_id)
 *   accessor/<role uuid>/<accessor>  accessor -> secret id key
 * Invariant: no secret_id is ever stored, only its keyed hash; role and secret-id records are parsed
 * with zod on every read.
 */
import { z } from "zod";
import { LocalLocks, type Locks } from "../../core/locks.js";
import type { StorageView } from "../../core/request.js";
import { hmacSha256Hex, sha256Hex } from "../../crypto/hmac.js";
import { tokenSettingsSchema } from "../../framework/token-fields.js";

export const roleSchema = z.object({
  name: z.string(),
  roleId: z.string(),
  /** Random per role: names the secret-id folder, so renames or odd names never reach keys. */
  uuid: z.string(),
  /** Hex key of the HMAC that hides secret ids in storage. */
  hmacKey: z.string(),
  bindSecretId: z.boolean(),
  secretIdBoundCidrs: z.array(z.string()),
  secretIdNumUses: z.number(),
  secretIdTtl: z.number(),
  localSecretIds: z.boolean(),
  token: tokenSettingsSchema,
});
export type Role = z.infer<typeof roleSchema>;

export const secretIdSchema = z.object({
  /** HMAC of the secret id, as in the storage key; compared in constant time at login. */
  hash: z.string(),
  accessor: z.string(),
  metadata: z.record(z.string(), z.string()),
  cidrList: z.array(z.string()),
  tokenBoundCidrs: z.array(z.string()),
  /** Remaining uses; 0 is unlimited. */
  numUses: z.number(),
  /** Seconds the secret id was issued for; 0 never expires. */
  ttl: z.number(),
  creationTime: z.number(),
  /** Epoch ms; 0 never expires. */
  expirationTime: z.number(),
  lastUpdatedTime: z.number(),
});
export type SecretIdEntry = z.infer<typeof secretIdSchema>;

const roleIndexSchema = z.object({ name: z.string() });
const accessorSchema = z.object({ hash: z.string() });

export function roleKey(name: string): string {
  return `role/${name.toLowerCase()}`;
}

export class AppRoleStore {
  /**
   * Serializes read-modify-write of one secret id, so concurrent logins (on any node, on shared
   * storage) cannot share its last use.
   */
  readonly exclusive: Locks["run"];

  constructor(locks: Locks = new LocalLocks()) {
    this.exclusive = (key, fn) => locks.run(key, fn);
  }

  async role(storage: StorageView, name: string): Promise<Role | undefined> {
    return storage.read(roleKey(name), roleSchema);
  }

  async roleByRoleId(storage: StorageView, roleId: string): Promise<Role | undefined> {
    const index = await storage.read(`role-id/${sha256Hex(roleId)}`, roleIndexSchema);
    return index ? this.role(storage, index.name) : undefined;
  }

  async roleIdTaken(storage: StorageView, roleId: string): Promise<string | undefined> {
    const index = await storage.read(`role-id/${sha256Hex(roleId)}`, roleIndexSchema);
    return index?.name;
  }

  async saveRole(storage: StorageView, role: Role, previousRoleId?: string): Promise<void> {
    if (previousRoleId !== undefined && previousRoleId !== role.roleId) {
      await storage.delete(`role-id/${sha256Hex(previousRoleId)}`);
    }
    await storage.write(`role-id/${sha256Hex(role.roleId)}`, { name: role.name.toLowerCase() });
    await storage.write(roleKey(role.name), role);
  }

  async deleteRole(storage: StorageView, role: Role): Promise<void> {
    for (const accessor of await this.accessors(storage, role))
      await this.destroyByAccessor(storage, role, accessor);
    await storage.delete(`role-id/${sha256Hex(role.roleId)}`);
    await storage.delete(roleKey(role.name));
  }

  async roleNames(storage: StorageView): Promise<string[]> {
    return (await storage.list("role/")).filter((k) => !k.endsWith("/")).sort();
  }

  secretIdHash(role: Role, secretId: string): string {
    return hmacSha256Hex(Buffer.from(role.hmacKey, "hex"), secretId);
  }

  async secretId(storage: StorageView, role: Role, hash: string): Promise<SecretIdEntry | undefined> {
    return storage.read(`secret-id/${role.uuid}/${hash}`, secretIdSchema);
  }

  async saveSecretId(storage: StorageView, role: Role, entry: SecretIdEntry): Promise<void> {
    await storage.write(`secret-id/${role.uuid}/${entry.hash}`, entry);
    await storage.write(`accessor/${role.uuid}/${entry.accessor}`, { hash: entry.hash });
  }

  async deleteSecretId(storage: StorageView, role: Role, entry: SecretIdEntry): Promise<void> {
    await storage.delete(`secret-id/${role.uuid}/${entry.hash}`);
    await storage.delete(`accessor/${role.uuid}/${entry.accessor}`);
  }

  async hashForAccessor(storage: StorageView, role: Role, accessor: string): Promise<string | undefined> {
    if (!/^[A-Za-z0-9-]{1,128}$/.test(accessor)) return undefined;
    const found = await storage.read(`accessor/${role.uuid}/${accessor}`, accessorSchema);
    return found?.hash;
  }

  async accessors(storage: StorageView, role: Role): Promise<string[]> {
    return (await storage.list(`accessor/${role.uuid}/`)).filter((k) => !k.endsWith("/")).sort();
  }

  async destroyByAccessor(storage: StorageView, role: Role, accessor: string): Promise<boolean> {
    const hash = await this.hashForAccessor(storage, role, accessor);
    if (!hash) return false;
    await storage.delete(`secret-id/${role.uuid}/${hash}`);
    await storage.delete(`accessor/${role.uuid}/${accessor}`);
    return true;
  }
}
