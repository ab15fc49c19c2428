/**
 * The admin bootstrap's userpass half: makes `username` exist with exactly the given bcrypt hash and
 * holding `policy`, keeping any other settings an operator gave the user. Run after every unseal, so
 * the environment (ADMIN_USERNAME / ADMIN_PASSWORD_HASH) stays the source of truth for the password.
 */
import type { StorageView } from "../../core/request.js";
import { DEFAULT_TOKEN_SETTINGS } from "../../framework/token-fields.js";
import { isBcryptHash } from "./password.js";
import { readUser, writeUser } from "./store.js";

export async function ensureBootstrapUser(
  storage: StorageView,
  username: string,
  bcryptHash: string,
  policy: string,
): Promise<void> {
  if (!isBcryptHash(bcryptHash)) throw new Error("the admin password hash is not a bcrypt hash");
  const existing = await readUser(storage, username);
  const token = existing?.token ?? DEFAULT_TOKEN_SETTINGS;
  const policies = token.policies.includes(policy) ? token.policies : [...token.policies, policy];
  await writeUser(storage, username, { passwordHash: bcryptHash, token: { ...token, policies } });
}
