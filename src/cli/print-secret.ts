import type { Secret } from "../client/vault-client.js";
import type { CliContext } from "./context.js";
import { fieldOf, formatKeyValues, rawFieldText, secretRows } from "./format.js";

export interface PrintOptions {
  format: "table" | "json";
  field?: string | undefined;
  /** Only where the user asked for a token (token create, -field=token, -token-only). */
  showToken: boolean;
}

/**
 * Prints a response as vault does: a Key/Value table, the raw JSON, or one `-field`. Returns the exit
 * code (1 when the field is missing). Invariant: without `showToken`, the client token is never printed,
 * not even in JSON, where it reads "<redacted>".
 */
export function printSecret(ctx: CliContext, secret: Secret, options: PrintOptions): number {
  if (secret.warnings && secret.warnings.length > 0) {
    for (const warning of secret.warnings) ctx.out.warn(warning);
  }
  if (options.field !== undefined) {
    const value = fieldOf(secret, options.field, options);
    if (value === undefined) {
      ctx.out.error(`Field "${options.field}" not present in secret`);
      return 1;
    }
    if (options.format === "json") ctx.out.json(value);
    else ctx.out.raw(rawFieldText(value));
    return 0;
  }
  if (options.format === "json") {
    ctx.out.json(options.showToken ? secret : redactToken(secret));
    return 0;
  }
  const rows = secretRows(secret, options);
  if (rows.length > 0) ctx.out.print(formatKeyValues(rows));
  return 0;
}

export function redactToken(secret: Secret): Secret {
  return secret.auth ? { ...secret, auth: { ...secret.auth, client_token: "<redacted>" } } : secret;
}
