/**
 * The request pipeline, spelled as small steps:
 *   sealed? -> route -> token -> operation (create vs update) -> ACL (+conditions, sudo)
 *   -> audit request (fail closed) -> backend -> login token / lease -> audit response.
 * Every request that reaches a backend passes through here once, so no route can forget audit or ACL.
 */
import { randomUUID } from "node:crypto";
import type { Backend, BackendRouter, RouteMatch } from "../framework/backend.js";
import { addressAllowed } from "../framework/token-fields.js";
import type { Acl } from "../policy/index.js";
import { StorageUnavailable } from "../storage/storage.js";
import {
  AuditFailure,
  BadRequest,
  NotFound,
  PermissionDenied,
  SecretHubError,
  Sealed,
  StorageOutage,
} from "./errors.js";
import type { Clock } from "./clock.js";
import { BoundedMemo } from "./memo.js";
import type {
  AuthBlock,
  AuthGrant,
  CallerToken,
  Operation,
  Request,
  Response,
  StorageView,
} from "./request.js";
import type { AuditPort, AuditRecord } from "./audit-port.js";
import type { LoginAttempts } from "./login-guard.js";
import type { Mounted, Router } from "./router.js";

export type { AuditPort, AuditRecord } from "./audit-port.js";

export type HttpMethod = "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE" | "LIST";

/** What http/ hands the core: already decoded, nothing Fastify-specific. */
export interface IncomingRequest {
  readonly id?: string;
  readonly method: HttpMethod;
  /** Path after "/v1/", URL-decoded. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly token?: string;
  readonly namespace?: string;
  readonly remoteAddress: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Outcome {
  readonly requestId: string;
  /** The HTTP status the response carries (raw, explicit, 204 when empty, else 200). */
  readonly status: number;
  readonly response: Response;
  readonly mountType?: string;
  readonly leaseId?: string;
}

/** The narrow slice of the token store the pipeline needs. */
export interface TokenAuthority<E> {
  lookup(token: string): Promise<E | undefined>;
  /** Undefined when the token has no use limit (nothing to do, nothing to await). */
  consumeUse(entry: E): Promise<void> | undefined;
  /** After the request: revokes a token whose last use is spent. Undefined when unlimited. */
  finishUse(entry: E): Promise<void> | undefined;
  toCallerToken(entry: E): CallerToken;
  createFromGrant(grant: AuthGrant, mountPath: string, requestPath: string): Promise<AuthBlock>;
}

export interface AclSource {
  acl(policyNames: readonly string[]): Promise<Acl>;
}

export interface LeaseRegistrar {
  register(req: Request, fullPath: string, secret: NonNullable<Response["secret"]>): Promise<string>;
}

/**
 * Told once per request, after it finished (telemetry, request logs). Every field is bounded: no
 * request path, token or data ever reaches an observer.
 */
export interface RequestObserver {
  done(info: {
    requestId: string;
    method: HttpMethod;
    operation: Operation;
    mountPath: string;
    mountType: string;
    /** The route needs no token (a login path of an auth method, sys/init ...). */
    unauthenticated: boolean;
    status: number;
    /** The request ended in an error; false for deliberate statuses such as sys/health's 503. */
    failed: boolean;
    durationMs: number;
  }): void;
}

export interface PipelineDeps<E> {
  readonly sealed: () => boolean;
  /** Built-in backends served at fixed prefixes whatever the mount table says ("sys/" first). */
  readonly system: ReadonlyMap<string, { readonly router: BackendRouter; readonly type: string }>;
  readonly router: Router;
  readonly tokens: TokenAuthority<E>;
  readonly acls: AclSource;
  readonly audit: AuditPort;
  readonly leases?: LeaseRegistrar;
  readonly observer?: RequestObserver;
  readonly clock: Clock;
  readonly sysStorage: () => StorageView;
  /** Login hardening (issue #3): failed logins per (mount, address, identity) lead to a 429 cool-down. */
  readonly loginGuard?: LoginAttempts;
}

export type Pipeline = (incoming: IncomingRequest) => Promise<Outcome>;

interface Target {
  readonly mountPath: string;
  readonly mountType: string;
  readonly backend: Backend;
  readonly router: BackendRouter;
  readonly relative: string;
  readonly storage: () => StorageView;
}

export function operationOf(method: HttpMethod, query: Readonly<Record<string, string>>): Operation {
  switch (method) {
    case "GET":
    case "HEAD":
      return query.list === "true" || query.list === "1" ? "list" : "read";
    case "LIST":
      return "list";
    case "PUT":
    case "POST":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return "delete";
  }
}

function requestData(incoming: IncomingRequest): Record<string, unknown> {
  // The common read: no query, no body (an object rest + spread per request otherwise).
  if (incoming.body === undefined && isEmptyRecord(incoming.query)) return {};
  const { list: _list, ...query } = incoming.query;
  if (incoming.body === undefined || incoming.body === null || incoming.body === "") return { ...query };
  if (typeof incoming.body !== "object" || Array.isArray(incoming.body)) {
    throw new BadRequest("request body must be a JSON object");
  }
  return { ...query, ...(incoming.body as Record<string, unknown>) };
}

export function createPipeline<E>(deps: PipelineDeps<E>): Pipeline {
  const findTarget = (path: string): Target | undefined => {
    for (const [prefix, sys] of deps.system) {
      if (
        path.startsWith(prefix) ||
        (prefix.length === path.length + 1 && prefix.endsWith("/") && prefix.startsWith(path))
      ) {
        return {
          mountPath: prefix,
          mountType: sys.type,
          backend: sys.router.backend,
          router: sys.router,
          relative: path.slice(prefix.length),
          storage: deps.sysStorage,
        };
      }
    }
    const hit = deps.router.match(path);
    if (!hit) return undefined;
    const m: Mounted = hit.mounted;
    return {
      mountPath: m.entry.path,
      mountType: m.entry.type,
      backend: m.backend,
      router: m.router,
      relative: hit.relative,
      storage: () => m.storage,
    };
  };

  // Targets of paths seen before (null: no target), valid while the mount table is the same array
  // (Router replaces it on every change).
  const targets = new BoundedMemo<Target | null>(4096, 256);
  let targetsOf: readonly Mounted[] | undefined;
  const targetOf = (path: string): Target | undefined => {
    const mounts = deps.router.list();
    if (mounts !== targetsOf) {
      targets.clear();
      targetsOf = mounts;
    }
    let target = targets.get(path);
    if (target === undefined) target = targets.remember(path, findTarget(path) ?? null);
    return target ?? undefined;
  };

  return async (incoming) => {
    const started = deps.clock.now();
    const requestId = incoming.id ?? randomUUID();
    const path = incoming.path.startsWith("/") ? incoming.path.replace(/^\/+/, "") : incoming.path;
    const target = targetOf(path);
    let operation = operationOf(incoming.method, incoming.query);
    let status = 500;
    let failed = false;
    let unauthenticated = false;
    let entry: E | undefined;
    let audit: AuditRecord | undefined;
    let requestLogged = false;
    let responseLogged = false;
    let loginKey: string | undefined;
    try {
      if (
        deps.sealed() &&
        !(target && deps.system.has(target.mountPath) && target.router.availableSealed(target.relative))
      ) {
        throw new Sealed();
      }
      if (!target) throw new NotFound(`no handler for route "${path.slice(0, 200)}"`);
      const route = target.router.match(target.relative);
      unauthenticated = target.router.isUnauthenticated(target.relative);

      let caller: CallerToken | undefined;
      let badToken = false;
      // While sealed only unauthenticated sys paths are reachable, and the token store is locked.
      if (!unauthenticated || (incoming.token && !deps.sealed())) {
        entry = incoming.token ? await deps.tokens.lookup(incoming.token) : undefined;
        caller = entry ? deps.tokens.toCallerToken(entry) : undefined;
        // Invariant: a token bound to CIDRs is refused from anywhere else, whatever its policies say.
        if (caller?.boundCidrs?.length && !addressAllowed(caller.boundCidrs, incoming.remoteAddress)) {
          entry = undefined;
          caller = undefined;
          badToken = true;
        }
        if (!entry && !unauthenticated) badToken = true;
      }

      const baseStorage =
        target.mountType === "cubbyhole" && caller
          ? target.storage().sub(`${caller.idHash}/`)
          : target.storage();
      // Built without conditional spreads: this runs for every request.
      let req: Request = {
        id: requestId,
        operation,
        path: target.relative,
        mountPath: target.mountPath,
        mountType: target.mountType,
        data: requestData(incoming),
        caller: caller
          ? { namespace: "", remoteAddress: incoming.remoteAddress, token: caller }
          : { namespace: "", remoteAddress: incoming.remoteAddress },
        storage: baseStorage,
        headers: incoming.headers,
      };
      if (target.mountType === "token" && incoming.token) req = { ...req, clientToken: incoming.token };
      // Only a write can turn out to be a "create" (reads skip the async step: they are the hot path).
      if (route && !badToken && (operation === "update" || operation === "create")) {
        operation = await target.router.resolveOperation(req, route);
        if (operation !== req.operation) req = { ...req, operation };
      }
      const fullPath = target.mountPath + target.relative;
      audit = incoming.token
        ? { request: req, fullPath, clientToken: incoming.token }
        : { request: req, fullPath };
      // Refused only now, so that attempts with a missing, forged or out-of-range token are audited too.
      if (badToken) throw new PermissionDenied();
      if (!unauthenticated) await authorize(deps.acls, caller, fullPath, req, route, deps.clock);
      const using = entry ? deps.tokens.consumeUse(entry) : undefined;
      if (using) await using;
      // Login hardening (issue #3): a locked-out login is refused before the auth method runs.
      if (unauthenticated && route && deps.loginGuard) {
        loginKey = deps.loginGuard.keyFor({
          mountPath: target.mountPath,
          path: target.relative,
          remoteAddress: incoming.remoteAddress,
          data: req.data,
        });
        if (loginKey) await deps.loginGuard.check(loginKey);
      }

      const record = audit;
      if (!deps.audit.idle?.()) await audited(() => deps.audit.logRequest(record));
      requestLogged = true;
      if (!route) throw new NotFound(`unsupported path "${target.relative.slice(0, 200)}"`);
      let response = (await target.router.handle(req, route)) ?? {};
      if (response.authGrant) {
        const auth = await deps.tokens.createFromGrant(response.authGrant, target.mountPath, path);
        response = { ...response, auth };
        if (loginKey) await deps.loginGuard?.succeeded(loginKey);
      }
      let leaseId: string | undefined;
      if (response.secret && deps.leases)
        leaseId = await deps.leases.register(req, fullPath, response.secret);
      status = response.raw?.status ?? response.status ?? (isEmpty(response) ? 204 : 200);
      if (!deps.audit.idle?.()) {
        const done = { ...record, response, status };
        await audited(() => deps.audit.logResponse(done));
      }
      responseLogged = true;
      const outcome: Outcome = { requestId, status, response, mountType: target.mountType };
      return leaseId ? { ...outcome, leaseId } : outcome;
    } catch (caught) {
      // A storage outage is the client's to retry (503), not an internal error.
      const err = caught instanceof StorageUnavailable ? new StorageOutage({ cause: caught }) : caught;
      failed = true;
      status = err instanceof SecretHubError ? err.status : 500;
      // Login hardening (issue #3): only refused credentials count, not outages or the lockout itself.
      if (loginKey && (status === 400 || status === 403)) await deps.loginGuard?.failed(loginKey);
      // Denied and failed requests are audited too; if that fails, the audit failure wins (fail closed).
      const record = audit;
      if (record && !responseLogged) {
        if (!requestLogged) await audited(() => deps.audit.logRequest(record));
        const error = err instanceof SecretHubError ? err.message : "internal error";
        await audited(() => deps.audit.logResponse({ ...record, error, status }));
      }
      throw err;
    } finally {
      // A spent token is refused at lookup already; revoking it here just tidies storage.
      const finishing = entry ? deps.tokens.finishUse(entry) : undefined;
      if (finishing) await finishing.catch(() => undefined);
      deps.observer?.done({
        requestId,
        method: incoming.method,
        operation,
        mountPath: target?.mountPath ?? "",
        mountType: target?.mountType ?? "",
        unauthenticated,
        status,
        failed,
        durationMs: deps.clock.now() - started,
      });
    }
  };
}

function isEmptyRecord(r: Readonly<Record<string, unknown>>): boolean {
  for (const _ in r) return false;
  return true;
}

function isEmpty(r: Response): boolean {
  return r.data === undefined && !r.auth && !r.secret && !r.warnings && r.leaseDurationHint === undefined;
}

async function audited(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (cause) {
    throw new AuditFailure({ cause });
  }
}

async function authorize(
  acls: AclSource,
  caller: CallerToken | undefined,
  fullPath: string,
  req: Request,
  route: RouteMatch | undefined,
  clock: Clock,
): Promise<void> {
  if (!caller) throw new PermissionDenied();
  const acl = await acls.acl(caller.policies);
  const verdict = acl.check(fullPath, req.operation, {
    remoteAddress: req.caller.remoteAddress,
    now: new Date(clock.now()),
    data: req.data,
  });
  if (!verdict.allowed) throw new PermissionDenied();
  if (route?.spec.sudo && !verdict.sudo) throw new PermissionDenied();
}
