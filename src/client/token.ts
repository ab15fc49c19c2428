import { parseSecret, readSecret, type Secret } from "./secret.js";
import type { Requester } from "./transport.js";

/** Body of auth/token/create, in Vault's wire names. */
export interface TokenCreateRequest {
  policies?: string[];
  ttl?: string;
  explicit_max_ttl?: string;
  period?: string;
  num_uses?: number;
  no_parent?: boolean;
  renewable?: boolean;
  display_name?: string;
  meta?: Record<string, string>;
  type?: string;
  no_default_policy?: boolean;
}

/** The token auth method (auth/token/...). */
export class TokenApi {
  constructor(private readonly http: Requester) {}

  /** `orphan` uses create-orphan (as the vault CLI does); `role` uses create/<role>. */
  async create(
    request: TokenCreateRequest,
    options: { orphan?: boolean; role?: string } = {},
  ): Promise<Secret> {
    const path = options.role
      ? `auth/token/create/${options.role}`
      : options.orphan
        ? "auth/token/create-orphan"
        : "auth/token/create";
    return this.post(path, request);
  }

  async lookupSelf(): Promise<Secret> {
    const secret = await readSecret(this.http, "auth/token/lookup-self");
    return secret ?? {};
  }

  async lookup(token: string): Promise<Secret> {
    return this.post("auth/token/lookup", { token });
  }

  async lookupAccessor(accessor: string): Promise<Secret> {
    return this.post("auth/token/lookup-accessor", { accessor });
  }

  async renewSelf(increment?: string): Promise<Secret> {
    return this.post("auth/token/renew-self", increment === undefined ? {} : { increment });
  }

  async renew(token: string, increment?: string): Promise<Secret> {
    return this.post("auth/token/renew", increment === undefined ? { token } : { token, increment });
  }

  async renewAccessor(accessor: string, increment?: string): Promise<Secret> {
    return this.post(
      "auth/token/renew-accessor",
      increment === undefined ? { accessor } : { accessor, increment },
    );
  }

  async revoke(token: string): Promise<void> {
    await this.http.request("POST", "auth/token/revoke", { body: { token } });
  }

  async revokeOrphan(token: string): Promise<void> {
    await this.http.request("POST", "auth/token/revoke-orphan", { body: { token } });
  }

  async revokeSelf(): Promise<void> {
    await this.http.request("POST", "auth/token/revoke-self");
  }

  async revokeAccessor(accessor: string): Promise<void> {
    await this.http.request("POST", "auth/token/revoke-accessor", { body: { accessor } });
  }

  private async post(path: string, body: object): Promise<Secret> {
    return parseSecret(path, await this.http.request("POST", path, { body })) ?? {};
  }
}
