/**
 * Maps any thrown value to Vault's error envelope by type, never by message text. Unknown errors
 * become 500 "internal error": their text (which may echo data) is logged, never returned.
 */
import { SecretHubError } from "../core/errors.js";

export interface MappedError {
  readonly status: number;
  readonly body: { errors: string[] };
  /** Worth logging at error level with the cause. */
  readonly internal: boolean;
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
}

const FASTIFY_CODES: Record<string, { status: number; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, message: "request body too large" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, message: "unsupported media type" },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, message: "empty JSON body" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, message: "invalid content length" },
  FST_ERR_BAD_URL: { status: 400, message: "invalid URL" },
};

export function mapError(err: unknown): MappedError {
  if (err instanceof SecretHubError) {
    return {
      status: err.status,
      body: { errors: err.message ? [err.message] : [] },
      internal: err.status >= 500,
    };
  }
  if (err instanceof SyntaxError) {
    return {
      status: 400,
      body: { errors: ["failed to parse JSON input: " + err.message.slice(0, 100)] },
      internal: false,
    };
  }
  if (typeof err === "object" && err !== null) {
    const e = err as FastifyLikeError;
    const known = typeof e.code === "string" ? FASTIFY_CODES[e.code] : undefined;
    if (known) return { status: known.status, body: { errors: [known.message] }, internal: false };
    if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
      return { status: e.statusCode, body: { errors: ["invalid request"] }, internal: false };
    }
  }
  return { status: 500, body: { errors: ["internal error"] }, internal: true };
}
