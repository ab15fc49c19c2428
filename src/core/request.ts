/**
 * The request and response shapes that flow through the pipeline (core/pipeline.ts) into backends.
 * Wire names (snake_case) live in `data`; everything else is camelCase.
 */

export type Operation = "create" | "read" | "update" | "patch" | "delete" | "list";

/**
 * What a mount sees of storage: its own prefix, plaintext JSON values. Implemented by the barrier
 * (core/barrier.ts), which encrypts before anything reaches the StorageBackend.
 * Invariant: a view can never address keys outside its prefix ("..", absolute keys are rejected).
 */
/** Checks stored JSON: a function, or a schema object such as a zod schema (its `parse`). */
export type Parser<T> = ((raw: unknown) => T) | { parse(raw: unknown): T };

export interface StorageView {
  /**
   * The parsed value, deeply frozen (it may be shared through the read cache): copy before changing.
   * Pass a schema or a module-level function: a closure made per call defeats the decoded-value cache.
   */
  read<T>(key: string, parser: Parser<T>): Promise<T | undefined>;
  write(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Direct children of `prefix` ("" or ending in "/"); folders end in "/". */
  list(prefix: string): Promise<string[]>;
  /** A narrower view below this one. */
  sub(prefix: string): StorageView;
}

/** The authenticated caller, resolved from the token by the pipeline. Never holds the token id. */
export interface Caller {
  readonly namespace: string;
  readonly remoteAddress: string;
  /** Undefined for unauthenticated requests (login, sys/init ...). */
  readonly token?: CallerToken;
}

export interface CallerToken {
  readonly accessor: string;
  readonly policies: readonly string[];
  readonly displayName: string;
  readonly entityId: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Storage key of the hashed token id; used for parent links. Not the token itself. */
  readonly idHash: string;
  readonly orphan: boolean;
  /** token_bound_cidrs: the token is only usable from these addresses (empty: anywhere). */
  readonly boundCidrs?: readonly string[];
}

export interface Request {
  readonly id: string;
  readonly operation: Operation;
  /** Path relative to the mount, without leading "/". */
  readonly path: string;
  /** Mount path with trailing "/", e.g. "secret/" or "auth/approle/". */
  readonly mountPath: string;
  readonly mountType: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly caller: Caller;
  /** The raw client token, only for the token backend's *-self endpoints. Never log it. */
  readonly clientToken?: string;
  /** Set by the router: the mount's own view. A backend never chooses its storage. */
  readonly storage: StorageView;
  /** Request headers, lower-cased names; for backends that need them (e.g. merge-patch content type). */
  readonly headers: Readonly<Record<string, string>>;
}

/** A secret the core turns into a lease. */
export interface SecretGrant {
  readonly type: string;
  readonly ttlSeconds: number;
  readonly maxTtlSeconds?: number;
  readonly renewable: boolean;
  /** Stored with the lease (encrypted), passed back to renew/revoke; never returned to the client. */
  readonly internal: Readonly<Record<string, unknown>>;
}

/** What an auth method returns on login; the core turns it into a token. */
export interface AuthGrant {
  readonly policies: readonly string[];
  readonly displayName: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly ttlSeconds: number;
  readonly maxTtlSeconds?: number;
  readonly period?: number;
  readonly numUses?: number;
  readonly renewable: boolean;
  readonly noDefaultPolicy?: boolean;
  readonly boundCidrs?: readonly string[];
  /** Stable alias for the identity (e.g. role id + secret id accessor), for entity ids. */
  readonly aliasName: string;
  readonly internal?: Readonly<Record<string, unknown>>;
}

/** The auth block of the envelope, as produced by the token store. */
export interface AuthBlock {
  readonly client_token: string;
  readonly accessor: string;
  readonly policies: string[];
  readonly token_policies: string[];
  readonly identity_policies: null;
  readonly metadata: Record<string, string> | null;
  readonly lease_duration: number;
  readonly renewable: boolean;
  readonly entity_id: string;
  readonly token_type: "service" | "batch";
  readonly orphan: boolean;
  readonly mfa_requirement: null;
  readonly num_uses: number;
}

export interface Response {
  data?: Record<string, unknown> | null;
  secret?: SecretGrant;
  /** Login: the core mints a token from this. */
  authGrant?: AuthGrant;
  /** Token backend: an already-minted auth block (token create, renew). */
  auth?: AuthBlock;
  warnings?: string[];
  /** KV v1's refresh hint: sets lease_duration without creating a lease. */
  leaseDurationHint?: number;
  /** Override the status (e.g. 404 with a body for a deleted KV v2 version). */
  status?: number;
  /** Legacy sys responses (sys/mounts, sys/auth): data fields also appear at the top level. */
  topLevelData?: boolean;
  /** Bypass the envelope entirely (sys/init, sys/health ...): status and JSON body as given. */
  raw?: {
    status: number;
    body: unknown;
    /** For a non-JSON body (Prometheus text from sys/metrics); JSON when unset. */
    contentType?: string;
  };
}
