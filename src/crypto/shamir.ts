/**
 * Shamir secret sharing through the audited `shamir-secret-sharing` package, with Vault's parameter
 * rules on top: 1 <= threshold <= shares <= 255, threshold > 1 when shares > 1, and shares == 1 meaning
 * the secret itself is the single "share".
 */
import { combine as libCombine, split as libSplit } from "shamir-secret-sharing";

/** Why `shares`/`threshold` are unacceptable, or undefined when they are fine. */
export function shamirParamsProblem(shares: number, threshold: number): string | undefined {
  if (!Number.isInteger(shares) || !Number.isInteger(threshold)) {
    return "secret_shares and secret_threshold must be integers";
  }
  if (shares < 1 || shares > 255) return "secret_shares must be between 1 and 255";
  if (threshold < 1) return "secret_threshold must be at least 1";
  if (threshold > shares) return "secret_threshold cannot be larger than secret_shares";
  if (shares > 1 && threshold === 1) return "secret_threshold must be greater than one for multiple shares";
  return undefined;
}

/** The library checks `constructor === Uint8Array`, so Buffers and subclasses must be copied. */
function plain(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

export async function split(secret: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  const problem = shamirParamsProblem(shares, threshold);
  if (problem !== undefined) throw new RangeError(problem);
  if (secret.byteLength === 0) throw new RangeError("secret must not be empty");
  if (shares === 1) return [plain(secret)];
  return libSplit(plain(secret), shares, threshold);
}

/**
 * Recombines shares. A single share is the secret itself (the shares == 1 case). With too few or
 * forged shares the result is simply a wrong secret: callers must authenticate it (the barrier does).
 */
export async function combine(shares: readonly Uint8Array[]): Promise<Uint8Array> {
  const [first] = shares;
  if (first === undefined) throw new RangeError("at least one share is required");
  if (shares.length === 1) return plain(first);
  if (shares.length > 255) throw new RangeError("at most 255 shares");
  return libCombine(shares.map(plain));
}
