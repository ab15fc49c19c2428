/**
 * auth/userpass/login/:username. Unknown users and wrong passwords answer the same 400 "invalid
 * username or password" after the same amount of hashing work.
 */
import { BadRequest, PermissionDenied } from "../../core/errors.js";
import type { Request, Response } from "../../core/request.js";
import { definePath, type PathSpec } from "../../framework/backend.js";
import { addressAllowed, tokenGrant } from "../../framework/token-fields.js";
import { burnPasswordCheck, verifyPassword } from "./password.js";
import { checkUsername, readUser } from "./store.js";

export const INVALID_CREDENTIALS = "invalid username or password";

async function login(req: Request, username: string, password: string | undefined): Promise<Response> {
  if (!password) throw new BadRequest("missing password");
  const name = checkUsername(username);
  const user = await readUser(req.storage, name);
  if (!user) {
    await burnPasswordCheck(password);
    throw new BadRequest(INVALID_CREDENTIALS);
  }
  if (!(await verifyPassword(password, user.passwordHash))) throw new BadRequest(INVALID_CREDENTIALS);
  if (!addressAllowed(user.token.boundCidrs, req.caller.remoteAddress)) {
    throw new PermissionDenied("login request originated from invalid CIDR");
  }
  return {
    authGrant: {
      ...tokenGrant(user.token),
      displayName: name,
      metadata: { username: name },
      aliasName: name,
    },
  };
}

export function loginPath(): PathSpec {
  return definePath({
    pattern: "login/:username",
    fields: {
      username: { type: "string", required: true, description: "The user's name." },
      password: { type: "string", description: "The user's password." },
    },
    operations: { update: (req, v) => login(req, v.username, v.password) },
    help: "Exchanges a username and password for a token.",
  });
}
