/** How the token backend's handlers identify who is asking and which token a request is about. */
import { BadRequest, PermissionDenied } from "../../core/errors.js";
import type { CallerToken, Request } from "../../core/request.js";

/** The authenticated caller; every token endpoint needs one. */
export function requireCaller(req: Request): CallerToken {
  const caller = req.caller.token;
  if (!caller) throw new PermissionDenied();
  return caller;
}

/** The raw token the client presented, for the *-self endpoints. */
export function requireClientToken(req: Request): string {
  if (!req.clientToken) throw new PermissionDenied();
  return req.clientToken;
}

export function requireValue(value: string | undefined, message: string): string {
  if (!value) throw new BadRequest(message);
  return value;
}

export function isRoot(caller: CallerToken): boolean {
  return caller.policies.includes("root");
}
