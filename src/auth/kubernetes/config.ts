/** auth/kubernetes/config: where and how service-account JWTs are verified. */
import { X509Certificate, createPublicKey } from "node:crypto";
import { z } from "zod";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { StorageView } from "../../core/request.js";
import { definePath, type PathSpec } from "../../framework/backend.js";

export const configSchema = z.object({
  kubernetesHost: z.string(),
  kubernetesCaCert: z.string(),
  /** A secret: never returned. */
  tokenReviewerJwt: z.string(),
  pemKeys: z.array(z.string()),
  issuer: z.string(),
  disableIssValidation: z.boolean(),
  disableLocalCaJwt: z.boolean(),
});
export type KubernetesConfig = z.infer<typeof configSchema>;

const CONFIG_KEY = "config";

export function readConfig(storage: StorageView): Promise<KubernetesConfig | undefined> {
  return storage.read(CONFIG_KEY, configSchema);
}

/** "host", "host:port" or a URL, as Vault accepts; always returned as an https:// (or http://) base URL. */
export function normalizeHost(host: string): string {
  const text = host.trim().replace(/\/+$/, "");
  const withScheme = /^https?:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new BadRequest(`invalid kubernetes_host "${host.slice(0, 100)}"`);
  }
  if (url.search || url.hash || url.username)
    throw new BadRequest("kubernetes_host must be a plain base URL");
  return withScheme;
}

function checkPemKeys(keys: readonly string[]): void {
  for (const [i, pem] of keys.entries()) {
    try {
      createPublicKey(pem);
    } catch (cause) {
      throw new BadRequest(`pem_keys[${i}] is not a PEM public key or certificate`, { cause });
    }
  }
}

function checkCaCert(pem: string): void {
  if (pem === "") return;
  try {
    new X509Certificate(pem);
  } catch (cause) {
    throw new BadRequest("kubernetes_ca_cert is not a PEM certificate", { cause });
  }
}

const configFields = {
  kubernetes_host: { type: "string", description: "Base URL of the Kubernetes API server." },
  kubernetes_ca_cert: { type: "string", description: "PEM CA certificate(s) of the API server." },
  token_reviewer_jwt: { type: "string", description: "Bearer token for the TokenReview API." },
  pem_keys: { type: "strings", description: "PEM public keys or certificates that sign SA JWTs." },
  issuer: { type: "string", description: "Expected JWT issuer when issuer validation is on." },
  disable_iss_validation: { type: "bool", description: "Skip the issuer check (default true)." },
  disable_local_ca_jwt: { type: "bool", description: "Do not fall back to the pod's own CA and token." },
} as const;

export function configPath(): PathSpec {
  return definePath({
    pattern: "config",
    fields: configFields,
    operations: {
      update: async (req, v) => {
        const current = await readConfig(req.storage);
        // PEM lists arrive as arrays; a single PEM string must not be split on commas.
        const pemRaw = req.data.pem_keys;
        const pemKeys =
          typeof pemRaw === "string"
            ? pemRaw.trim()
              ? [pemRaw]
              : []
            : (v.pem_keys ?? current?.pemKeys ?? []);
        const host = v.kubernetes_host ?? current?.kubernetesHost ?? "";
        if (host === "" && pemKeys.length === 0) throw new BadRequest("kubernetes_host is required");
        const next: KubernetesConfig = {
          kubernetesHost: host === "" ? "" : normalizeHost(host),
          kubernetesCaCert: v.kubernetes_ca_cert ?? current?.kubernetesCaCert ?? "",
          tokenReviewerJwt: v.token_reviewer_jwt ?? current?.tokenReviewerJwt ?? "",
          pemKeys,
          issuer: v.issuer ?? current?.issuer ?? "",
          disableIssValidation: v.disable_iss_validation ?? current?.disableIssValidation ?? true,
          disableLocalCaJwt: v.disable_local_ca_jwt ?? current?.disableLocalCaJwt ?? false,
        };
        checkCaCert(next.kubernetesCaCert);
        checkPemKeys(next.pemKeys);
        await req.storage.write(CONFIG_KEY, next);
        return undefined;
      },
      read: async (req) => {
        const c = await readConfig(req.storage);
        if (!c) throw new NotFound("");
        return {
          data: {
            kubernetes_host: c.kubernetesHost,
            kubernetes_ca_cert: c.kubernetesCaCert,
            pem_keys: [...c.pemKeys],
            issuer: c.issuer,
            disable_iss_validation: c.disableIssValidation,
            disable_local_ca_jwt: c.disableLocalCaJwt,
            token_reviewer_jwt_set: c.tokenReviewerJwt !== "",
          },
        };
      },
    },
    help: "Configures the Kubernetes API server and the keys used to verify service-account JWTs.",
  });
}
