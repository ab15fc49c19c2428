/**
 * Vault's CLI takes Go-style single-dash long flags (`-key-shares=5`, `-field password`); commander wants
 * `--key-shares`. Booleans may carry a value (`-renewable=false`), which commander does not accept, so
 * those become `--flag` / `--no-flag` (or disappear when false is already the default).
 */
const BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  "accessor",
  "cas-required",
  "local",
  "no-default-policy",
  "no-store",
  "orphan",
  "renewable",
  "reset",
  "seal-wrap",
  "self",
  "status",
  "token-only",
]);

/** Booleans whose `false` must reach the server, so they are declared with a `--no-` form. */
const NEGATABLE_FLAGS: ReadonlySet<string> = new Set(["cas-required", "renewable"]);

const TRUE = new Set(["true", "1", "t", "yes"]);
const FALSE = new Set(["false", "0", "f", "no"]);

export function normalizeArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const arg of argv) {
    if (passthrough || arg === "--") {
      passthrough = true;
      out.push(arg);
      continue;
    }
    const long = /^-(-?)([A-Za-z][A-Za-z0-9_-]+)(=.*)?$/.exec(arg);
    if (!long) {
      out.push(arg);
      continue;
    }
    const name = long[2] ?? "";
    const value = long[3]?.slice(1);
    if (value !== undefined && BOOLEAN_FLAGS.has(name)) {
      const lower = value.toLowerCase();
      if (TRUE.has(lower)) out.push(`--${name}`);
      else if (FALSE.has(lower)) {
        if (NEGATABLE_FLAGS.has(name)) out.push(`--no-${name}`);
      } else out.push(`--${name}=${value}`);
      continue;
    }
    out.push(`--${name}${long[3] ?? ""}`);
  }
  return out;
}
