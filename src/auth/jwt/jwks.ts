/**
 * Signing keys from a JWKS URL, fetched with the configured CA and cached per mount. A token whose
 * key id is unknown triggers one refetch (the issuer rotated its keys), at most every 10 seconds, so a
 * stream of junk tokens cannot turn into a stream of requests to the issuer.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import type { Clock } from "../../core/clock.js";
import { SecretHubError } from "../../core/errors.js";

const CACHE_MS = 10 * 60 * 1000;
const REFETCH_MIN_MS = 10 * 1000;
const MAX_BODY = 1024 * 1024;

const jwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

/** The issuer's keys could not be fetched: 502, not a failed login. */
export class JwksUnavailable extends SecretHubError {
  constructor(cause?: unknown) {
    super(502, "the JWKS URL could not be fetched", { cause });
  }
}

function get(url: URL, caPem: string): Promise<string> {
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "GET",
        headers: { accept: "application/json" },
        ...(url.protocol === "https:" && caPem ? { ca: caPem } : {}),
        timeout: 10_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
          if (text.length > MAX_BODY) req.destroy(new Error("JWKS too large"));
        });
        res.on("end", () =>
          res.statusCode === 200 ? resolve(text) : reject(new Error(`JWKS status ${res.statusCode ?? 0}`)),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("JWKS request timed out")));
    req.on("error", reject);
    req.end();
  });
}

interface Cached {
  readonly source: string;
  readonly fetchedAt: number;
  readonly keys: JWTVerifyGetKey;
}

export class JwksCache {
  private cached: Cached | undefined;

  constructor(private readonly clock: Clock) {}

  /** The key set for `url`; `refresh` asks for a refetch (honoured at most every 10 seconds). */
  async keys(url: string, caPem: string, refresh = false): Promise<JWTVerifyGetKey> {
    const source = `${url}\n${caPem}`;
    const now = this.clock.now();
    const c = this.cached;
    if (c && c.source === source) {
      const fresh = now - c.fetchedAt < CACHE_MS;
      if (fresh && (!refresh || now - c.fetchedAt < REFETCH_MIN_MS)) return c.keys;
    }
    let set: JSONWebKeySet;
    try {
      const parsed = jwksSchema.parse(JSON.parse(await get(new URL(url), caPem)));
      set = { keys: parsed.keys };
    } catch (cause) {
      throw new JwksUnavailable(cause);
    }
    const keys = createLocalJWKSet(set);
    this.cached = { source, fetchedAt: now, keys };
    return keys;
  }
}
