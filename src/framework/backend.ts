/**
 * framework/ turns declarative path specs into a request handler. A backend (secrets engine or auth
 * method) is data: a list of PathSpecs with typed fields and one handler per operation. The framework
 * matches the request path, parses fields (URL captures win over body and query), picks create vs
 * update with the spec's existence check, and calls the handler. It never touches HTTP or storage
 * directly: storage arrives as the mount's view on the request.
 */
import { BadRequest, NotFound, UnsupportedOperation } from "../core/errors.js";
import type { Clock } from "../core/clock.js";
import type { Locks } from "../core/locks.js";
import { BoundedMemo } from "../core/memo.js";
import type { Operation, Request, Response } from "../core/request.js";
import { parseFields, type Fields, type Values } from "./fields.js";

export type Handler<F extends Fields> = (req: Request, values: Values<F>) => Promise<Response | undefined>;

export interface PathSpec<F extends Fields = Fields> {
  /** Segments separated by "/"; ":name" captures one segment, ":name*" the rest (may be empty). */
  readonly pattern: string;
  readonly fields: F;
  readonly operations: Partial<Record<Operation, Handler<F>>>;
  /** Decides create vs update for POST/PUT, so ACLs can tell them apart. */
  readonly exists?: (req: Request, values: Values<F>) => Promise<boolean>;
  /** Root-protected: the caller needs `sudo` on this path. */
  readonly sudo?: boolean;
  readonly help: string;
}

/** Keeps F's literal field types for the handlers' `values`. */
export function definePath<F extends Fields>(spec: PathSpec<F>): PathSpec {
  return spec as unknown as PathSpec;
}

/** The renew/revoke behaviour of a secret type a backend leases out. */
export interface SecretType {
  renew?(req: Request, internal: Readonly<Record<string, unknown>>): Promise<Response | undefined>;
  revoke(req: Request, internal: Readonly<Record<string, unknown>>): Promise<void>;
}

export interface Backend {
  readonly type: string;
  readonly kind: "secret" | "auth";
  readonly paths: readonly PathSpec[];
  /** Patterns (same syntax as PathSpec) that need no token, e.g. "login". */
  readonly unauthenticated?: readonly string[];
  /** Patterns served even while sealed (sys/init, sys/unseal ...); implies unauthenticated. */
  readonly availableSealed?: readonly string[];
  readonly secretTypes?: Readonly<Record<string, SecretType>>;
  /** Called once when the mount is loaded after unseal. */
  initialize?(): Promise<void>;
  close?(): Promise<void>;
}

/** What every backend factory receives; engine-specific services are added by the registry. */
export interface BackendConfig {
  readonly mountPath: string;
  readonly options: Readonly<Record<string, string>>;
  readonly clock: Clock;
  /** Critical sections for read-modify-writes; shared by all nodes on shared storage. Local if unset. */
  readonly locks?: Locks;
}

interface CompiledPath {
  readonly spec: PathSpec;
  readonly regex: RegExp;
  readonly captures: readonly string[];
  readonly literalLength: number;
}

export function compilePattern(pattern: string): {
  regex: RegExp;
  captures: string[];
  literalLength: number;
} {
  const captures: string[] = [];
  let literalLength = 0;
  const parts = pattern.split("/").map((segment, i, all) => {
    const rest = /^:([A-Za-z_][A-Za-z0-9_]*)\*$/.exec(segment);
    if (rest?.[1]) {
      if (i !== all.length - 1) throw new Error(`"${segment}" must be the last segment of ${pattern}`);
      captures.push(rest[1]);
      return "(.*)";
    }
    const one = /^:([A-Za-z_][A-Za-z0-9_]*)$/.exec(segment);
    if (one?.[1]) {
      captures.push(one[1]);
      return "([^/]+)";
    }
    literalLength += segment.length + 1;
    return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  // "a/:rest*" also matches "a" (empty rest), as Vault's optional trailing captures do.
  let source = parts.join("/");
  source = source.replace(/\/\(\.\*\)$/, "(?:/(.*))?");
  return { regex: new RegExp(`^${source}/?$`), captures, literalLength };
}

export interface RouteMatch {
  readonly spec: PathSpec;
  readonly captures: Readonly<Record<string, string>>;
}

/** Dispatches requests to a backend's path specs. */
export class BackendRouter {
  private readonly compiled: readonly CompiledPath[];
  private readonly unauth: readonly RegExp[];
  private readonly sealedOk: readonly RegExp[];

  constructor(readonly backend: Backend) {
    this.compiled = backend.paths.map((spec) => ({ spec, ...compilePattern(spec.pattern) }));
    this.unauth = (backend.unauthenticated ?? []).map((p) => compilePattern(p).regex);
    this.sealedOk = (backend.availableSealed ?? []).map((p) => compilePattern(p).regex);
  }

  /**
   * Every request asks for its route and whether it needs a token: a regex per path spec each time.
   * The specs never change after construction, so answers for paths seen before are remembered
   * (bounded: short paths only, and the memo starts over when full).
   */
  // One per mount: at most ~0.5 MB of remembered paths.
  private readonly memo = new BoundedMemo<{ route: RouteMatch | undefined; unauthenticated: boolean }>(
    1024,
    256,
  );

  private lookup(path: string): { route: RouteMatch | undefined; unauthenticated: boolean } {
    return (
      this.memo.get(path) ??
      this.memo.remember(path, {
        route: this.matchUncached(path),
        unauthenticated: this.unauthenticatedUncached(path),
      })
    );
  }

  match(path: string): RouteMatch | undefined {
    return this.lookup(path).route;
  }

  /** The most literal pattern wins, so declaration order never decides a route. */
  private matchUncached(path: string): RouteMatch | undefined {
    let best: { c: CompiledPath; m: RegExpExecArray } | undefined;
    for (const c of this.compiled) {
      const m = c.regex.exec(path);
      if (m && (!best || c.literalLength > best.c.literalLength)) best = { c, m };
    }
    if (!best) return undefined;
    const captures: Record<string, string> = {};
    best.c.captures.forEach((name, i) => {
      captures[name] = best.m[i + 1] ?? "";
    });
    return Object.freeze({ spec: best.c.spec, captures: Object.freeze(captures) });
  }

  isUnauthenticated(path: string): boolean {
    return this.lookup(path).unauthenticated;
  }

  private unauthenticatedUncached(path: string): boolean {
    return this.unauth.some((r) => r.test(path)) || this.availableSealed(path);
  }

  availableSealed(path: string): boolean {
    return this.sealedOk.some((r) => r.test(path));
  }

  /** Resolves create vs update for POST/PUT: "create" when the spec says the target does not exist. */
  async resolveOperation(req: Request, route: RouteMatch): Promise<Operation> {
    if (req.operation !== "update" && req.operation !== "create") return req.operation;
    if (!route.spec.exists) return req.operation;
    const values = parseFields(route.spec.fields, { ...req.data, ...route.captures });
    return (await route.spec.exists(req, values)) ? "update" : "create";
  }

  async handle(req: Request, route: RouteMatch): Promise<Response | undefined> {
    const ops = route.spec.operations;
    const handler =
      ops[req.operation] ??
      (req.operation === "create" ? ops.update : req.operation === "update" ? ops.create : undefined);
    if (!handler) throw new UnsupportedOperation(`unsupported operation`);
    const values = parseFields(route.spec.fields, { ...req.data, ...route.captures });
    return handler(req, values);
  }
}

/** For backends: a read that found nothing answers 404 through the pipeline. */
export function requireFound<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new NotFound(`${what} not found`);
  return value;
}

export function requireName(name: string | undefined, field = "name"): string {
  if (!name) throw new BadRequest(`missing ${field}`);
  return name;
}

/**
 * A LIST-only path over the names stored directly below `prefix` of the mount's view (roles, users).
 * An empty listing is a 404, as Vault answers.
 */
export function listNamesPath(pattern: string, prefix: string, help: string): PathSpec {
  return definePath({
    pattern,
    fields: {},
    operations: {
      list: async (req) => {
        const keys = (await req.storage.list(prefix)).filter((k) => !k.endsWith("/")).sort();
        if (keys.length === 0) throw new NotFound("");
        return { data: { keys } };
      },
    },
    help,
  });
}
