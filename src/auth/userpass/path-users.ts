/** auth/userpass/users, users/:username, users/:username/password and users/:username/policies. */
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Request } from "../../core/request.js";
import { definePath, requireFound, type PathSpec } from "../../framework/backend.js";
import type { Values } from "../../framework/fields.js";
import {
  DEFAULT_TOKEN_SETTINGS,
  applyTokenFields,
  tokenFields,
  tokenSettingsData,
  withPolicies,
} from "../../framework/token-fields.js";
import { hashPassword } from "./password.js";
import { deleteUser, listUsers, readUser, writeUser, type UserEntry } from "./store.js";

const nameField = { username: { type: "string", required: true, description: "The user's name." } } as const;
const userFields = {
  ...nameField,
  password: { type: "string", description: "The password; required when creating the user." },
  ...tokenFields,
} as const;

/** Vault refuses empty passwords; the upper bound keeps one request from hashing megabytes. */
function checkPassword(password: string | undefined): string {
  if (!password) throw new BadRequest("missing password");
  if (password.length > 4096) throw new BadRequest("password is too long");
  return password;
}

async function writeUserFrom(req: Request, v: Values<typeof userFields>): Promise<undefined> {
  const existing = await readUser(req.storage, v.username);
  if (!existing) checkPassword(v.password);
  const user: UserEntry = {
    passwordHash:
      v.password !== undefined
        ? await hashPassword(checkPassword(v.password))
        : (existing?.passwordHash ?? ""),
    token: applyTokenFields(existing?.token ?? DEFAULT_TOKEN_SETTINGS, v),
  };
  await writeUser(req.storage, v.username, user);
  return undefined;
}

async function load(req: Request, username: string): Promise<UserEntry> {
  return requireFound(await readUser(req.storage, username), `user "${username.slice(0, 64)}"`);
}

export function userPaths(): PathSpec[] {
  return [
    definePath({
      pattern: "users",
      fields: {},
      operations: {
        list: async (req) => {
          const keys = await listUsers(req.storage);
          if (keys.length === 0) throw new NotFound("");
          return { data: { keys } };
        },
      },
      help: "Lists the users.",
    }),
    definePath({
      pattern: "users/:username",
      fields: userFields,
      exists: async (req, v) => (await readUser(req.storage, v.username)) !== undefined,
      operations: {
        create: (req, v) => writeUserFrom(req, v),
        update: (req, v) => writeUserFrom(req, v),
        read: async (req, v) => {
          const user = await readUser(req.storage, v.username);
          if (!user) throw new NotFound("");
          return { data: tokenSettingsData(user.token) };
        },
        delete: async (req, v) => {
          await deleteUser(req.storage, v.username);
          return undefined;
        },
      },
      help: "Creates, reads, updates or deletes a user. The password is never returned.",
    }),
    definePath({
      pattern: "users/:username/password",
      fields: { ...nameField, password: { type: "string", description: "The new password." } },
      operations: {
        update: async (req, v) => {
          const user = await load(req, v.username);
          await writeUser(req.storage, v.username, {
            ...user,
            passwordHash: await hashPassword(checkPassword(v.password)),
          });
          return undefined;
        },
      },
      help: "Sets a user's password.",
    }),
    definePath({
      pattern: "users/:username/policies",
      fields: {
        ...nameField,
        token_policies: tokenFields.token_policies,
        policies: tokenFields.policies,
      },
      operations: {
        update: async (req, v) => {
          const user = await load(req, v.username);
          const token = withPolicies(user.token, v.token_policies ?? v.policies ?? []);
          await writeUser(req.storage, v.username, { ...user, token });
          return undefined;
        },
      },
      help: "Sets a user's token policies.",
    }),
  ];
}
