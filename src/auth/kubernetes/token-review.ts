/**
 * A client for the Kubernetes TokenReview API (authentication.k8s.io/v1): asks the API server whether
 * a service-account JWT is valid now (not revoked, its pod alive) and who it belongs to. Speaks HTTPS
 * with the configured CA; the request and response JSON are exactly Kubernetes'.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { z } from "zod";
import { SecretHubError } from "../../core/errors.js";

export interface TokenReviewInput {
  /** Base URL of the API server, e.g. https://10.0.0.1:6443. */
  readonly host: string;
  /** PEM bundle; when empty the system CAs are trusted. */
  readonly caCert: string;
  /** The Authorization bearer: the reviewer JWT, or the reviewed JWT itself. */
  readonly bearer: string;
  readonly token: string;
  readonly audiences: readonly string[];
  readonly timeoutMs?: number;
}

const reviewSchema = z.object({
  kind: z.literal("TokenReview").optional(),
  status: z
    .object({
      authenticated: z.boolean().optional(),
      error: z.string().optional(),
      user: z
        .object({
          username: z.string().optional(),
          uid: z.string().optional(),
          groups: z.array(z.string()).optional(),
        })
        .optional(),
      audiences: z.array(z.string()).optional(),
    })
    .optional(),
});

export type ReviewResult =
  | {
      readonly authenticated: true;
      readonly username: string;
      readonly uid: string;
      readonly audiences?: readonly string[];
    }
  | { readonly authenticated: false; readonly reason: string };

/** The API server could not be asked (network, TLS, unexpected answer): 502, not a failed login. */
export class UpstreamError extends SecretHubError {
  constructor(message: string, cause?: unknown) {
    super(502, message, { cause });
  }
}

const MAX_BODY = 1024 * 1024;

function post(url: URL, body: string, input: TokenReviewInput): Promise<{ status: number; text: string }> {
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${input.bearer}`,
          "content-type": "application/json",
          accept: "application/json",
          "content-length": Buffer.byteLength(body),
        },
        ...(url.protocol === "https:" && input.caCert ? { ca: input.caCert } : {}),
        timeout: input.timeoutMs ?? 10_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
          if (text.length > MAX_BODY) req.destroy(new Error("TokenReview answer too large"));
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("TokenReview request timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

export async function reviewToken(input: TokenReviewInput): Promise<ReviewResult> {
  const url = new URL(`${input.host.replace(/\/+$/, "")}/apis/authentication.k8s.io/v1/tokenreviews`);
  const body = JSON.stringify({
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenReview",
    spec: { token: input.token, ...(input.audiences.length > 0 ? { audiences: [...input.audiences] } : {}) },
  });
  let answer: { status: number; text: string };
  try {
    answer = await post(url, body, input);
  } catch (cause) {
    throw new UpstreamError("the Kubernetes TokenReview API could not be reached", cause);
  }
  // 401/403: the bearer may not review tokens (or, as its own bearer, the JWT is not valid at all).
  if (answer.status === 401 || answer.status === 403) {
    return { authenticated: false, reason: `TokenReview refused with status ${answer.status}` };
  }
  if (answer.status !== 200 && answer.status !== 201) {
    throw new UpstreamError(`the Kubernetes TokenReview API answered status ${answer.status}`);
  }
  let parsed: z.infer<typeof reviewSchema>;
  try {
    parsed = reviewSchema.parse(JSON.parse(answer.text));
  } catch (cause) {
    throw new UpstreamError(
      "the Kubernetes TokenReview API answered something that is not a TokenReview",
      cause,
    );
  }
  const status = parsed.status;
  if (!status?.authenticated) return { authenticated: false, reason: status?.error ?? "not authenticated" };
  const username = status.user?.username;
  if (!username) return { authenticated: false, reason: "TokenReview named no user" };
  return {
    authenticated: true,
    username,
    uid: status.user?.uid ?? "",
    ...(status.audiences ? { audiences: status.audiences } : {}),
  };
}
