/**
 * The server's one pino logger: JSON lines (ISO time, level as a word) for journald and log shippers,
 * a compact human format when the destination is a terminal. Redaction runs inside pino before any
 * format, so neither format can print what it removed.
 * Invariant: a field named like a credential or a secret payload is censored wherever it is logged,
 * at the top level and one object down (`token`, `password`, `data` ...). Code still must not put
 * secrets in messages: redaction works on field names, not on text.
 */
import { destination, pino, type DestinationStream, type Logger } from "pino";
import { prettyStream } from "./pretty.js";

export type LogFormat = "json" | "pretty" | "auto";

export interface LoggerOptions {
  /** trace, debug, info, warn, error, fatal or silent (config `log_level`, env `LOG_LEVEL`). */
  readonly level: string;
  /** "auto" (default): pretty when the destination is a TTY, JSON otherwise. */
  readonly format?: LogFormat;
  /** Where lines go; standard output unless given. */
  readonly destination?: DestinationStream & { readonly isTTY?: boolean };
}

const SENSITIVE = [
  "token",
  "client_token",
  "clientToken",
  "root_token",
  "accessor_token",
  "password",
  "secret_id",
  "secret",
  "key",
  "keys",
  "keys_base64",
  "unseal_key",
  "private_key",
  "plaintext",
  "ciphertext",
  "hmac_key",
  "authorization",
  "x-vault-token",
  "cookie",
  "data",
  "value",
];

const field = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`);
const nested = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? `*.${name}` : `*["${name}"]`);

/** The pino redaction paths; exported so tests can prove each one is honoured. */
export const REDACT_PATHS: readonly string[] = [
  ...SENSITIVE.flatMap((name) => [field(name), nested(name)]),
  'req.headers["x-vault-token"]',
  "req.headers.authorization",
  "req.headers.cookie",
];

export const CENSOR = "[REDACTED]";

export function createLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? "auto";
  const tty = (opts.destination ?? process.stdout).isTTY === true;
  const pretty = format === "pretty" || (format === "auto" && tty);
  // Synchronous writes: the last lines before a crash or exit are not lost in a buffer.
  const out = opts.destination ?? (pretty ? process.stdout : destination({ dest: 1, sync: true }));
  return pino(
    {
      level: opts.level,
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pretty ? prettyStream(out, tty) : out,
  );
}
