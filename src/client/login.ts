import { UnexpectedResponse } from "./api-error.js";
import { parseSecret, type Auth, type Secret } from "./secret.js";
import type { Requester } from "./transport.js";

/** A successful login: the raw response and its auth block. */
export interface LoginResult {
  secret: Secret;
  auth: Auth;
}

/** Login helpers for the auth methods the CLI supports. Each returns a new token; none stores it. */
export class LoginApi {
  constructor(private readonly http: Requester) {}

  async userpass(username: string, password: string, mount = "userpass"): Promise<LoginResult> {
    return this.login(`auth/${trim(mount)}/login/${username}`, { password });
  }

  async approle(roleId: string, secretId: string | undefined, mount = "approle"): Promise<LoginResult> {
    const body = secretId === undefined ? { role_id: roleId } : { role_id: roleId, secret_id: secretId };
    return this.login(`auth/${trim(mount)}/login`, body);
  }

  /** Kubernetes and JWT logins share one shape: a role and a signed token. */
  async roleJwt(mount: string, role: string | undefined, jwt: string): Promise<LoginResult> {
    return this.login(`auth/${trim(mount)}/login`, role === undefined ? { jwt } : { role, jwt });
  }

  private async login(path: string, body: object): Promise<LoginResult> {
    const secret = parseSecret(path, await this.http.request("POST", path, { body }));
    if (!secret?.auth) throw new UnexpectedResponse(path, "no auth block in the login response");
    return { secret, auth: secret.auth };
  }
}

function trim(mount: string): string {
  return mount.replace(/^\/+/, "").replace(/\/+$/, "");
}
