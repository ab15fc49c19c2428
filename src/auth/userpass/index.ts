/**
 * auth/userpass: human logins with a username and password. It owns the user records (password
 * hashes and token settings) in its mount's storage view and hands the core an AuthGrant at login.
 * It must never store, log or return a password, and never reveal whether a username exists.
 */
import type { Backend } from "../../framework/backend.js";
import { loginPath } from "./path-login.js";
import { userPaths } from "./path-users.js";

export { ensureBootstrapUser } from "./bootstrap.js";

export function userpassBackend(): Backend {
  return {
    type: "userpass",
    kind: "auth",
    paths: [...userPaths(), loginPath()],
    unauthenticated: ["login/:username"],
  };
}
