/**
 * http/: the Fastify app. It parses requests into IncomingRequest, hands them to the core pipeline,
 * and renders Vault's envelope or `{"errors": [...]}`. `buildApp` is separate from `listen()`, so
 * tests start the real app on a free port. Nothing here decides policy or touches storage.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { HttpMethod, IncomingRequest, Pipeline } from "../core/pipeline.js";
import { envelope } from "./envelope.js";
import { mapError } from "./error-map.js";
import { answerClientError } from "./client-error.js";
import { installListMethod, type ClientErrorClaim } from "./list-bridge.js";

export interface AppOptions {
  readonly pipeline: Pipeline;
  readonly logger: FastifyBaseLogger;
  /** Maximum request body in bytes (Vault: 32 MiB). */
  readonly bodyLimit?: number;
  /** Addresses/CIDRs whose X-Forwarded-For is trusted for the client address. */
  readonly trustedProxies?: readonly string[];
  /** Extra routes outside /v1 (probes, /metrics), registered by their owners. */
  readonly plugins?: readonly ((app: FastifyInstance) => void)[];
  readonly https?: { key: Buffer; cert: Buffer };
}

const METHODS = new Set<HttpMethod>(["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "LIST"]);

function flatQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (query && typeof query === "object") {
    const q = query as Record<string, unknown>;
    for (const k in q) {
      const v = q[k];
      if (typeof v === "string") out[k] = v;
      else if (Array.isArray(v) && typeof v[0] === "string") out[k] = v[0];
    }
  }
  return out;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function tokenOf(req: FastifyRequest): string | undefined {
  const vault = header(req, "x-vault-token");
  if (vault) return vault;
  const auth = header(req, "authorization");
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return m?.[1]?.trim() || undefined;
}

function headersOf(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = req.headers;
  for (const k in headers) {
    if (k === "x-vault-token" || k === "authorization" || k === "cookie") continue;
    const v = headers[k];
    if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** "", "root" and "/" all name Vault's root namespace (clients send each of them). */
function isRootNamespace(ns: string): boolean {
  const trimmed = ns.trim().replace(/^\/+|\/+$/g, "");
  return trimmed === "" || trimmed === "root";
}

export function buildApp(opts: AppOptions): FastifyInstance {
  let claimList: ClientErrorClaim = () => false;
  const app = Fastify({
    loggerInstance: opts.logger,
    // Per-request lines come from our own hook (mount, operation, status, latency), never raw URLs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 32 * 1024 * 1024,
    trustProxy: opts.trustedProxies && opts.trustedProxies.length > 0 ? [...opts.trustedProxies] : false,
    genReqId: () => crypto.randomUUID(),
    // No per-request child logger: pino builds one with our redaction paths for every request (~5 % of
    // a KV read's CPU). Request lines carry their id explicitly (telemetry observer, error handler).
    childLoggerFactory: (logger) => logger,
    ...(opts.https ? { https: opts.https } : {}),
    routerOptions: { ignoreDuplicateSlashes: true, maxParamLength: 4096 },
    // Node's parser rejects the LIST verb as a client error; list-bridge takes such a connection over
    // and LIST arrives here as GET ?list=true. Other client errors get Vault's envelope.
    clientErrorHandler: (err, socket) => {
      if (!claimList(err, socket)) answerClientError(err, socket);
    },
  });
  claimList = installListMethod(app.server);

  // Vault reads every body as JSON whatever its Content-Type (curl -d sends form encoding).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(err instanceof Error ? err : new SyntaxError("invalid JSON"), undefined);
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const mapped = mapError(err);
    if (mapped.internal) req.log.error({ err, reqId: req.id }, "request failed");
    void reply.code(mapped.status).send(mapped.body);
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send({ errors: [] });
  });

  // Not an async function, and the reply is not awaited (a FastifyReply is a thenable: awaiting it
  // costs extra microtasks per request). Early answers are sent and the handler returns nothing;
  // otherwise it returns the pipeline's promise, whose rejection reaches the error handler.
  const handle = (req: FastifyRequest, reply: FastifyReply): Promise<void> | undefined => {
    const method = req.method.toUpperCase() as HttpMethod;
    if (!METHODS.has(method)) {
      void reply.code(405).send({ errors: ["unsupported method"] });
      return undefined;
    }
    if (header(req, "x-vault-wrap-ttl")) {
      // Refuse rather than answer unwrapped: a client asking for wrapping must never get the secret in clear.
      void reply.code(400).send({ errors: ["response wrapping is not supported by this server yet"] });
      return undefined;
    }
    const namespace = header(req, "x-vault-namespace");
    if (namespace !== undefined && !isRootNamespace(namespace)) {
      // Refuse rather than serve the root namespace's data to a client that asked for another tenant.
      void reply
        .code(400)
        .send({ errors: [`namespaces are not supported by this server yet: use the root namespace`] });
      return undefined;
    }
    const params = req.params as Record<string, string | undefined>;
    const token = tokenOf(req);
    const incoming: IncomingRequest = {
      id: req.id,
      method,
      path: params["*"] ?? "",
      query: flatQuery(req.query),
      body: req.body,
      ...(token ? { token } : {}),
      remoteAddress: req.ip,
      headers: headersOf(req),
    };
    return opts.pipeline(incoming).then((outcome) => {
      const r = outcome.response;
      void reply.header("cache-control", "no-store");
      if (r.raw) {
        if (r.raw.contentType) void reply.type(r.raw.contentType);
        void reply.code(r.raw.status).send(method === "HEAD" ? undefined : r.raw.body);
        return;
      }
      const status = outcome.status;
      if (status === 204 || method === "HEAD") void reply.code(status).send();
      else void reply.code(status).send(envelope(outcome));
    });
  };

  app.route({ method: [...METHODS].filter((m) => m !== "LIST"), url: "/v1/*", handler: handle });
  for (const plugin of opts.plugins ?? []) plugin(app);
  return app;
}
