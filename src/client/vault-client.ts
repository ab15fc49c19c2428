/**
 * client/: the typed HTTP client for SecretHub's (and Vault's) API. It speaks HTTP with global fetch and
 * nothing else: it must never import another SecretHub module, so the CLI, agent, CSI provider and SDK
 * can only reach a server the way any third-party client does. Responses are parsed with zod, never cast.
 */
import { KvApi } from "./kv.js";
import { LoginApi } from "./login.js";
import { deleteSecret, listSecret, readSecret, writeSecret, type Data, type Secret } from "./secret.js";
import { SysApi } from "./sys.js";
import { TokenApi } from "./token.js";
import {
  Transport,
  type FetchLike,
  type HttpMethod,
  type RequestOptions,
  type Requester,
} from "./transport.js";

export interface VaultClientOptions {
  /** e.g. http://127.0.0.1:8200 (no /v1). */
  address: string;
  token?: string | undefined;
  namespace?: string | undefined;
  fetch?: FetchLike | undefined;
}

export class VaultClient implements Requester {
  readonly sys: SysApi;
  readonly kv: KvApi;
  readonly token: TokenApi;
  readonly login: LoginApi;
  private readonly transport: Transport;

  constructor(private readonly options: VaultClientOptions) {
    this.transport = new Transport(options);
    this.sys = new SysApi(this.transport);
    this.kv = new KvApi(this.transport, this.sys);
    this.token = new TokenApi(this.transport);
    this.login = new LoginApi(this.transport);
  }

  get address(): string {
    return this.transport.address;
  }

  /** The same server and namespace, another token (e.g. to check a token before storing it). */
  withToken(token: string | undefined): VaultClient {
    return new VaultClient({ ...this.options, token });
  }

  request(method: HttpMethod, path: string, options?: RequestOptions): Promise<unknown> {
    return this.transport.request(method, path, options);
  }

  /** undefined when the path holds nothing (404 without data). */
  read(path: string, query?: Record<string, string | number | undefined>): Promise<Secret | undefined> {
    return readSecret(this.transport, path, query);
  }

  write(path: string, data: Data): Promise<Secret | undefined> {
    return writeSecret(this.transport, path, data);
  }

  /** GET <path>/?list=true; undefined when there is nothing to list. */
  list(path: string): Promise<Secret | undefined> {
    return listSecret(this.transport, path);
  }

  delete(path: string): Promise<Secret | undefined> {
    return deleteSecret(this.transport, path);
  }

  /** token lookup-self with `token`: the token login method. */
  async lookupWith(token: string): Promise<Secret> {
    return this.withToken(token).token.lookupSelf();
  }
}

export { ApiError, ConnectionError, UnexpectedResponse } from "./api-error.js";
export { KvError, joinMount, kvApiPath, type KvLocation } from "./kv.js";
export { keysOf, type Auth, type Data, type Secret } from "./secret.js";
export type { InitResponse, MountInfo, SealStatus } from "./sys.js";
export type { TokenCreateRequest } from "./token.js";
export type { FetchLike, HttpMethod } from "./transport.js";
