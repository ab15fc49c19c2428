/**
 * The AWS KMS seal wrapper: wraps the barrier's root key with Encrypt/Decrypt under one KMS key, so
 * the server can auto-unseal. Credentials come only from the SDK's default provider chain; the region
 * from the SDK's own resolution, then AWS_DEFAULT_REGION, the key's ARN, then "us-east-1".
 * Invariant: the purpose is bound as encryption context, and no error message ever carries key bytes.
 */
import { DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import type { KeyWrapper } from "../core/key-wrapper.js";

/** The region of a key ARN (`arn:aws:kms:<region>:<account>:key/<id>`), or undefined for ids and aliases. */
export function regionFromKeyArn(keyId: string): string | undefined {
  return /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(keyId)?.[1];
}

export function awsKmsWrapper(opts: { keyId: string; region?: string; endpoint?: string }): KeyWrapper {
  const { keyId } = opts;
  let region: Promise<string> | undefined;
  const client = new KMSClient({
    region: opts.region ?? (() => (region ??= resolveRegion(keyId))),
    maxAttempts: 3,
    ...(opts.endpoint !== undefined && { endpoint: opts.endpoint }),
  });
  const context = (purpose: string) => ({ "secrethub:purpose": purpose });
  return {
    type: "awskms",
    async wrap(plaintext, purpose) {
      const out = await call("Encrypt", () =>
        client.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context(purpose) }),
        ),
      );
      if (!out.CiphertextBlob) throw new Error("awskms: Encrypt failed: no CiphertextBlob in response");
      return new Uint8Array(out.CiphertextBlob);
    },
    async unwrap(ciphertext, purpose) {
      const out = await call("Decrypt", () =>
        client.send(
          new DecryptCommand({
            CiphertextBlob: ciphertext,
            KeyId: keyId,
            EncryptionContext: context(purpose),
          }),
        ),
      );
      if (!out.Plaintext) throw new Error("awskms: Decrypt failed: no Plaintext in response");
      const key = new Uint8Array(out.Plaintext);
      out.Plaintext.fill(0); // the SDK's decoded copy of the root key is not left behind
      return key;
    },
  };
}

/** The SDK's region chain (AWS_REGION, shared config, instance metadata), else our fallbacks. */
async function resolveRegion(keyId: string): Promise<string> {
  const probe = new KMSClient({});
  try {
    return await probe.config.region();
  } catch {
    return process.env.AWS_DEFAULT_REGION || regionFromKeyArn(keyId) || "us-east-1";
  } finally {
    probe.destroy();
  }
}

/** Runs one KMS call, rethrowing by error name or code only: SDK messages may echo request data. */
async function call<T>(op: "Encrypt" | "Decrypt", send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (cause) {
    const code =
      cause instanceof Error && "code" in cause && typeof cause.code === "string" ? cause.code : undefined;
    const name = cause instanceof Error && cause.name !== "Error" ? cause.name : (code ?? "unknown error");
    throw new Error(`awskms: ${op} failed: ${name}`, { cause });
  }
}
