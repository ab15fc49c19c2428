/** userpass storage inside the mount's view: `user/<lower-cased name>` -> UserEntry (zod-parsed). */
import { z } from "zod";
import { BadRequest } from "../../core/errors.js";
import type { StorageView } from "../../core/request.js";
import { tokenSettingsSchema } from "../../framework/token-fields.js";

export const userSchema = z.object({
  /** An encoded scrypt or bcrypt hash (see password.ts); never the password. */
  passwordHash: z.string(),
  token: tokenSettingsSchema,
});
export type UserEntry = z.infer<typeof userSchema>;

/** Vault lower-cases userpass names; "/" cannot occur (one path segment), dot segments are refused. */
export function checkUsername(name: string): string {
  const n = name.trim().toLowerCase();
  if (n === "" || n === "." || n === ".." || n.length > 512 || n.includes("/")) {
    throw new BadRequest(`invalid username "${name.slice(0, 64)}"`);
  }
  return n;
}

export function readUser(storage: StorageView, name: string): Promise<UserEntry | undefined> {
  return storage.read(`user/${checkUsername(name)}`, userSchema);
}

export function writeUser(storage: StorageView, name: string, user: UserEntry): Promise<void> {
  return storage.write(`user/${checkUsername(name)}`, user);
}

export function deleteUser(storage: StorageView, name: string): Promise<void> {
  return storage.delete(`user/${checkUsername(name)}`);
}

export async function listUsers(storage: StorageView): Promise<string[]> {
  return (await storage.list("user/")).filter((k) => !k.endsWith("/")).sort();
}
