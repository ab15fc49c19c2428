/**
 * An external key-management service that wraps the barrier's root key for auto-unseal (Vault's
 * "seal wrapper": AWS KMS today). The core never sees credentials or endpoints, only this port.
 * Invariant: `unwrap(wrap(k, p), p)` returns k; unwrapping with another purpose fails.
 */
export interface KeyWrapper {
  /** The seal type reported by sys/seal-status ("awskms"). */
  readonly type: string;
  /** Encrypts `plaintext` under the service's key, binding `purpose` (encryption context). */
  wrap(plaintext: Uint8Array, purpose: string): Promise<Uint8Array>;
  /** Decrypts what `wrap` returned for the same purpose; rejects on any mismatch or outage. */
  unwrap(ciphertext: Uint8Array, purpose: string): Promise<Uint8Array>;
}
