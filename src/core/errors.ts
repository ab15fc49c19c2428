/**
 * The one error hierarchy. http/error-map.ts maps these by `instanceof` to Vault's status codes.
 * Invariant: `message` is shown to the caller and must never contain a secret, token or key material;
 * internals go in `cause`, which is logged (redacted) and never returned.
 */
export class SecretHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequest extends SecretHubError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(400, message, options);
  }
}

export class PermissionDenied extends SecretHubError {
  constructor(message = "permission denied", options?: { cause?: unknown }) {
    super(403, message, options);
  }
}

export class NotFound extends SecretHubError {
  constructor(message = "not found", options?: { cause?: unknown }) {
    super(404, message, options);
  }
}

export class UnsupportedOperation extends SecretHubError {
  constructor(message = "unsupported operation", options?: { cause?: unknown }) {
    super(405, message, options);
  }
}

export class CasMismatch extends SecretHubError {
  constructor(message = "check-and-set parameter did not match the current version") {
    super(412, message);
  }
}

export class RateLimited extends SecretHubError {
  constructor(message = "request rate limited") {
    super(429, message);
  }
}

export class Sealed extends SecretHubError {
  constructor(message = "Vault is sealed") {
    super(503, message);
  }
}

/** Storage did not answer (database down, disk gone): retryable, so 503 rather than 500. */
export class StorageOutage extends SecretHubError {
  constructor(options?: { cause?: unknown }) {
    super(503, "storage is unavailable; try again later", options);
  }
}

/** Wrong unseal key or a barrier value that fails authentication. */
export class InvalidUnsealKey extends BadRequest {
  constructor() {
    super("unseal failed: invalid key");
  }
}

/** No audit device could record a request: the request must fail (fail closed). */
export class AuditFailure extends SecretHubError {
  constructor(options?: { cause?: unknown }) {
    super(500, "audit: no audit device could record the request; refusing to serve it", options);
  }
}
