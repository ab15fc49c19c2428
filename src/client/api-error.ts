/**
 * Errors the client raises. An `ApiError` carries the server's status and its `errors` array verbatim;
 * a `ConnectionError` means no HTTP answer arrived at all. Neither message ever contains the token.
 */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errors: readonly string[],
    readonly body: unknown,
  ) {
    super(errors.length > 0 ? errors.join("; ") : `${method} /v1/${path} failed`);
    this.name = "ApiError";
  }
}

export class ConnectionError extends Error {
  constructor(
    readonly address: string,
    options: { cause: unknown },
  ) {
    super(`could not reach ${address}: ${describeCause(options.cause)}`, options);
    this.name = "ConnectionError";
  }
}

/** The server answered, but not with the shape the API documents. */
export class UnexpectedResponse extends Error {
  constructor(path: string, detail: string) {
    super(`unexpected response from ${path}: ${detail}`);
    this.name = "UnexpectedResponse";
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner: unknown = cause.cause;
    if (inner instanceof Error) {
      const code = "code" in inner && typeof inner.code === "string" ? inner.code : undefined;
      return code ?? inner.message;
    }
    return cause.message;
  }
  return String(cause);
}
