import { ApiError, ConnectionError, UnexpectedResponse } from "./api-error.js";
import type { z } from "zod";

/** The subset of WHATWG fetch the client needs; Node 20's global fetch satisfies it. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export type HttpMethod = "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";
export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  body?: unknown;
  query?: Readonly<Record<string, QueryValue>>;
  /** Defaults to application/json; KV v2 patch needs application/merge-patch+json. */
  contentType?: string;
}

/**
 * What the typed helpers need from a client: one request function. Helpers take this narrow interface,
 * never the whole `VaultClient`.
 */
export interface Requester {
  /** Parsed JSON body, or undefined for 204 / an empty body. Throws ApiError for status >= 400. */
  request(method: HttpMethod, path: string, options?: RequestOptions): Promise<unknown>;
}

export interface TransportOptions {
  address: string;
  token?: string | undefined;
  namespace?: string | undefined;
  fetch?: FetchLike | undefined;
}

/** Vault's headers and error envelope over fetch. Invariant: the token only ever leaves in X-Vault-Token. */
export class Transport implements Requester {
  private readonly base: string;
  private readonly fetchFn: FetchLike;

  constructor(private readonly options: TransportOptions) {
    this.base = options.address.replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? ((url, init) => fetch(url, init));
  }

  get address(): string {
    return this.base;
  }

  async request(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<unknown> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { "X-Vault-Request": "true" };
    if (this.options.token) headers["X-Vault-Token"] = this.options.token;
    if (this.options.namespace) headers["X-Vault-Namespace"] = this.options.namespace;
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) {
      headers["Content-Type"] = options.contentType ?? "application/json";
      init.body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await this.fetchFn(url, init);
    } catch (cause) {
      throw new ConnectionError(this.base, { cause });
    }
    const text = await response.text();
    const body = parseBody(text);
    if (response.status >= 400) {
      throw new ApiError(method, cleanPath(path), response.status, errorsOf(body), body);
    }
    if (response.status === 204 || text.trim() === "") return undefined;
    if (body === undefined) throw new UnexpectedResponse(cleanPath(path), "body is not JSON");
    return body;
  }

  private url(path: string, query: RequestOptions["query"]): string {
    const encoded = cleanPath(path).split("/").map(encodeURIComponent).join("/");
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    const qs = params.toString();
    const search = qs === "" ? "" : `?${qs}`;
    return `${this.base}/v1/${encoded}${search}`;
  }
}

export function cleanPath(path: string): string {
  return path.replace(/^\/+/, "").replace(/^v1\//, "");
}

function parseBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorsOf(body: unknown): string[] {
  if (typeof body !== "object" || body === null || !("errors" in body)) return [];
  const errors: unknown = body.errors;
  return Array.isArray(errors) ? errors.filter((e): e is string => typeof e === "string") : [];
}

/** Parses a response with a schema; a mismatch is the server's fault, reported as UnexpectedResponse. */
export function parseWith<T>(schema: z.ZodType<T>, path: string, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "body";
    throw new UnexpectedResponse(path, `${where}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}
