/**
 * A stand-in Kubernetes API server for tests: HTTPS on loopback with a throw-away CA made by openssl,
 * serving POST /apis/authentication.k8s.io/v1/tokenreviews with the request and response JSON exactly
 * as Kubernetes exchanges them. It issues service-account JWTs signed with its own RSA key (so the
 * same key can be configured as pem_keys), can "delete" a service account, and records each review.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportSPKI, generateKeyPair, jwtVerify, SignJWT } from "jose";

export interface IssuedAccount {
  namespace: string;
  name: string;
  uid?: string;
  audiences?: string[];
  /** Old secret-based token claims instead of projected ones. */
  legacy?: boolean;
  issuer?: string;
  expiresInSeconds?: number;
}

export interface ReviewRecord {
  bearer: string;
  body: unknown;
  status: number;
}

export interface FakeApiServer {
  readonly url: string;
  readonly caCert: string;
  /** PEM of the SPKI public key that signs issued tokens. */
  readonly signingKeyPem: string;
  readonly reviewerToken: string;
  readonly reviews: ReviewRecord[];
  issue(account: IssuedAccount): Promise<string>;
  /** The account is deleted: its tokens stop passing review. */
  deleteAccount(namespace: string, name: string): void;
  close(): Promise<void>;
}

export const DEFAULT_AUDIENCE = "https://kubernetes.default.svc.cluster.local";

function makeCertificates(dir: string): { caCert: string; key: string; cert: string } {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "1",
    "-subj",
    "/CN=test-kubernetes-ca",
  );
  run(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=kube-apiserver",
  );
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "1",
    "-extfile",
    "ext.cnf",
  );
  return {
    caCert: readFileSync(join(dir, "ca.crt"), "utf8"),
    key: readFileSync(join(dir, "server.key"), "utf8"),
    cert: readFileSync(join(dir, "server.crt"), "utf8"),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (text += c));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const dir = mkdtempSync(join(tmpdir(), "secrethub-kube-"));
  const tls = makeCertificates(dir);
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKeyPem = await exportSPKI(publicKey);
  const reviewerToken = `reviewer-${Math.random().toString(36).slice(2)}`;
  const deleted = new Set<string>();
  const reviews: ReviewRecord[] = [];

  const review = async (token: string, audiences: string[] | undefined) => {
    const unauthenticated = (error: string) => ({ user: {}, error });
    let payload;
    try {
      ({ payload } = await jwtVerify(token, publicKey));
    } catch {
      return unauthenticated("[invalid bearer token, square/go-jose: error in cryptographic primitive]");
    }
    const k8s = payload["kubernetes.io"] as
      { namespace: string; serviceaccount: { name: string; uid: string } } | undefined;
    const namespace = k8s?.namespace ?? String(payload["kubernetes.io/serviceaccount/namespace"]);
    const name =
      k8s?.serviceaccount.name ?? String(payload["kubernetes.io/serviceaccount/service-account.name"]);
    const uid =
      k8s?.serviceaccount.uid ?? String(payload["kubernetes.io/serviceaccount/service-account.uid"]);
    if (deleted.has(`${namespace}/${name}`)) {
      return unauthenticated(`[invalid bearer token, service account ${namespace}/${name} has been deleted]`);
    }
    const tokenAud = typeof payload.aud === "string" ? [payload.aud] : (payload.aud ?? []);
    const wanted = audiences && audiences.length > 0 ? audiences : [DEFAULT_AUDIENCE];
    const matched = wanted.filter((a) => tokenAud.includes(a));
    if (matched.length === 0)
      return unauthenticated("[invalid bearer token, token audiences is invalid for the target audiences]");
    return {
      authenticated: true,
      user: {
        username: `system:serviceaccount:${namespace}:${name}`,
        uid,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
        extra: {
          "authentication.kubernetes.io/pod-name": ["pod-1"],
          "authentication.kubernetes.io/pod-uid": ["pod-uid-1"],
        },
      },
      audiences: matched,
    };
  };

  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void (async () => {
      const text = await readBody(req);
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      const send = (status: number, body: unknown) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
        reviews.push({ bearer, body: parsed, status });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method !== "POST" || req.url !== "/apis/authentication.k8s.io/v1/tokenreviews") {
        send(404, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "the server could not find the requested resource",
          reason: "NotFound",
          code: 404,
        });
        return;
      }
      const body = JSON.parse(text) as {
        apiVersion: string;
        kind: string;
        spec: { token: string; audiences?: string[] };
      };
      // The bearer must be the reviewer's token, or a valid token reviewing itself.
      const bearerOk =
        bearer === reviewerToken ||
        (bearer === body.spec.token && "authenticated" in (await review(bearer, undefined)));
      if (!bearerOk) {
        send(401, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "Unauthorized",
          reason: "Unauthorized",
          code: 401,
        });
        return;
      }
      send(201, {
        kind: "TokenReview",
        apiVersion: "authentication.k8s.io/v1",
        metadata: { creationTimestamp: null },
        spec: body.spec,
        status: await review(body.spec.token, body.spec.audiences),
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `https://127.0.0.1:${port}`,
    caCert: tls.caCert,
    signingKeyPem,
    reviewerToken,
    reviews,
    async issue(a) {
      const uid = a.uid ?? `uid-${a.namespace}-${a.name}`;
      const claims = a.legacy
        ? {
            "kubernetes.io/serviceaccount/namespace": a.namespace,
            "kubernetes.io/serviceaccount/secret.name": `${a.name}-token-abcde`,
            "kubernetes.io/serviceaccount/service-account.name": a.name,
            "kubernetes.io/serviceaccount/service-account.uid": uid,
          }
        : {
            "kubernetes.io": {
              namespace: a.namespace,
              pod: { name: "pod-1", uid: "pod-uid-1" },
              serviceaccount: { name: a.name, uid },
            },
          };
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "test-key" })
        .setIssuer(
          a.issuer ??
            (a.legacy ? "kubernetes/serviceaccount" : "https://kubernetes.default.svc.cluster.local"),
        )
        .setSubject(`system:serviceaccount:${a.namespace}:${a.name}`)
        .setAudience(a.audiences ?? [DEFAULT_AUDIENCE])
        .setIssuedAt()
        .setExpirationTime(`${a.expiresInSeconds ?? 3600}s`)
        .sign(privateKey);
    },
    deleteAccount(namespace, name) {
      deleted.add(`${namespace}/${name}`);
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
