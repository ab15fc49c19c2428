import { z } from "zod";
import { ApiError } from "./api-error.js";
import { parseWith, type Requester } from "./transport.js";

const stringList = z.array(z.string()).nullable().optional();

/** The `auth` block of logins, token create and renew. Unknown keys are kept. */
export const authSchema = z.looseObject({
  client_token: z.string(),
  accessor: z.string().optional(),
  policies: stringList,
  token_policies: stringList,
  identity_policies: stringList,
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  lease_duration: z.number().optional(),
  renewable: z.boolean().optional(),
  entity_id: z.string().optional(),
  token_type: z.string().optional(),
  orphan: z.boolean().optional(),
});
export type Auth = z.infer<typeof authSchema>;

/** Vault's response envelope. Loose, so printing it as JSON shows exactly what the server sent. */
export const secretSchema = z.looseObject({
  request_id: z.string().optional(),
  lease_id: z.string().optional(),
  renewable: z.boolean().optional(),
  lease_duration: z.number().optional(),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  warnings: stringList,
  auth: authSchema.nullable().optional(),
  wrap_info: z.unknown().optional(),
});
export type Secret = z.infer<typeof secretSchema>;

export type Data = Record<string, unknown>;

export function parseSecret(path: string, body: unknown): Secret | undefined {
  return body === undefined ? undefined : parseWith(secretSchema, path, body);
}

/**
 * Vault's read semantics: a 404 is "no value", not an error, unless it still carries data (KV v2 answers a
 * deleted version with 404 and its metadata, and the CLI shows it).
 */
export async function readSecret(
  requester: Requester,
  path: string,
  query?: Record<string, string | number | undefined>,
): Promise<Secret | undefined> {
  try {
    return parseSecret(path, await requester.request("GET", path, { query: query ?? {} }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return secretIn404(path, error.body);
    throw error;
  }
}

export async function listSecret(requester: Requester, path: string): Promise<Secret | undefined> {
  const folder = path.endsWith("/") ? path : `${path}/`;
  return readSecret(requester, folder, { list: "true" });
}

export async function writeSecret(
  requester: Requester,
  path: string,
  data: Data,
  method: "PUT" | "POST" = "PUT",
): Promise<Secret | undefined> {
  return parseSecret(path, await requester.request(method, path, { body: data }));
}

export async function deleteSecret(requester: Requester, path: string): Promise<Secret | undefined> {
  return parseSecret(path, await requester.request("DELETE", path));
}

function secretIn404(path: string, body: unknown): Secret | undefined {
  const parsed = secretSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { data, warnings } = parsed.data;
  return data || (warnings && warnings.length > 0) ? parsed.data : undefined;
}

/** `data.keys` of a list response, or [] when there is none. */
export function keysOf(secret: Secret | undefined): string[] {
  const keys = secret?.data?.["keys"];
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : [];
}
