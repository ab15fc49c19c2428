/** auth/jwt/config: where signing keys come from (a JWKS URL or fixed PEM keys) and the issuer. */
import { X509Certificate, createPublicKey } from "node:crypto";
import { z } from "zod";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { StorageView } from "../../core/request.js";
import { definePath, type PathSpec } from "../../framework/backend.js";

export const configSchema = z.object({
  jwksUrl: z.string(),
  jwksCaPem: z.string(),
  pubkeys: z.array(z.string()),
  boundIssuer: z.string(),
  supportedAlgs: z.array(z.string()),
  defaultRole: z.string(),
});
export type JwtConfig = z.infer<typeof configSchema>;

/** Asymmetric algorithms only: a shared-secret HS256 key would let anyone holding it mint logins. */
export const ASYMMETRIC_ALGS = [
  "RS256",
  "RS384",
  "RS512",
  "ES256",
  "ES384",
  "ES512",
  "PS256",
  "PS384",
  "PS512",
  "EdDSA",
];

export function readConfig(storage: StorageView): Promise<JwtConfig | undefined> {
  return storage.read("config", configSchema);
}

const configFields = {
  jwks_url: { type: "string", description: "JWKS URL to fetch signing keys from." },
  jwks_ca_pem: { type: "string", description: "PEM CA certificate(s) for the JWKS URL." },
  jwt_validation_pubkeys: { type: "strings", description: "PEM public keys that sign accepted JWTs." },
  bound_issuer: { type: "string", description: 'Required "iss" claim value.' },
  jwt_supported_algs: { type: "strings", description: "Accepted signing algorithms." },
  default_role: { type: "string", description: "Role used when a login names none." },
  oidc_discovery_url: { type: "string", description: "Not supported: use jwks_url." },
} as const;

/** PEM lists arrive as arrays; a single PEM string must not be split on commas. */
function pemList(raw: unknown, parsed: string[] | undefined): string[] | undefined {
  if (typeof raw === "string") return raw.trim() ? [raw] : [];
  return parsed;
}

export function configPath(): PathSpec {
  return definePath({
    pattern: "config",
    fields: configFields,
    operations: {
      update: async (req, v) => {
        if (v.oidc_discovery_url) {
          throw new BadRequest(
            "oidc_discovery_url is not supported: configure jwks_url or jwt_validation_pubkeys",
          );
        }
        const current = await readConfig(req.storage);
        const next: JwtConfig = {
          jwksUrl: v.jwks_url ?? current?.jwksUrl ?? "",
          jwksCaPem: v.jwks_ca_pem ?? current?.jwksCaPem ?? "",
          pubkeys:
            pemList(req.data.jwt_validation_pubkeys, v.jwt_validation_pubkeys) ?? current?.pubkeys ?? [],
          boundIssuer: v.bound_issuer ?? current?.boundIssuer ?? "",
          supportedAlgs: v.jwt_supported_algs ?? current?.supportedAlgs ?? [],
          defaultRole: v.default_role ?? current?.defaultRole ?? "",
        };
        if ((next.jwksUrl === "") === (next.pubkeys.length === 0)) {
          throw new BadRequest("exactly one of 'jwks_url' and 'jwt_validation_pubkeys' must be set");
        }
        if (next.jwksUrl) {
          let url: URL;
          try {
            url = new URL(next.jwksUrl);
          } catch {
            throw new BadRequest("jwks_url is not a URL");
          }
          if (url.protocol !== "https:" && url.protocol !== "http:")
            throw new BadRequest("jwks_url must be http(s)");
        }
        if (next.jwksCaPem) {
          try {
            new X509Certificate(next.jwksCaPem);
          } catch (cause) {
            throw new BadRequest("jwks_ca_pem is not a PEM certificate", { cause });
          }
        }
        for (const [i, pem] of next.pubkeys.entries()) {
          try {
            createPublicKey(pem);
          } catch (cause) {
            throw new BadRequest(`jwt_validation_pubkeys[${i}] is not a PEM public key or certificate`, {
              cause,
            });
          }
        }
        const unsupported = next.supportedAlgs.find((a) => !ASYMMETRIC_ALGS.includes(a));
        if (unsupported) throw new BadRequest(`unsupported signing algorithm "${unsupported.slice(0, 20)}"`);
        await req.storage.write("config", next);
        return undefined;
      },
      read: async (req) => {
        const c = await readConfig(req.storage);
        if (!c) throw new NotFound("");
        return {
          data: {
            jwks_url: c.jwksUrl,
            jwks_ca_pem: c.jwksCaPem,
            jwt_validation_pubkeys: [...c.pubkeys],
            bound_issuer: c.boundIssuer,
            jwt_supported_algs: [...c.supportedAlgs],
            default_role: c.defaultRole,
            oidc_discovery_url: "",
          },
        };
      },
    },
    help: "Configures how JWT signatures are verified.",
  });
}
