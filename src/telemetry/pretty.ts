/**
 * A small human format for pino's JSON lines on a terminal:
 *   12:03:04.567 INFO  request completed method=GET mount=secret/ status=200 latencyMs=3
 * We write it ourselves rather than depend on pino-pretty (a transport with a worker thread and a
 * dozen packages) for what is one line per entry. It sees lines after pino's redaction.
 */
import type { DestinationStream } from "pino";

const LEVELS: Record<string, string> = {
  "10": "TRACE",
  "20": "DEBUG",
  "30": "INFO",
  "40": "WARN",
  "50": "ERROR",
  "60": "FATAL",
};
const COLORS: Record<string, string> = {
  WARN: "\x1b[33m",
  ERROR: "\x1b[31m",
  FATAL: "\x1b[35m",
  DEBUG: "\x1b[90m",
  TRACE: "\x1b[90m",
};
const RESET = "\x1b[0m";
const OMIT = new Set(["level", "time", "msg", "pid", "hostname", "err"]);

function levelName(raw: unknown): string {
  if (typeof raw === "string") return LEVELS[raw] ?? raw.toUpperCase();
  if (typeof raw === "number") return LEVELS[String(raw)] ?? String(raw);
  return "?";
}

function clock(raw: unknown): string {
  const d = typeof raw === "string" || typeof raw === "number" ? new Date(raw) : new Date(NaN);
  return Number.isNaN(d.getTime()) ? "--:--:--.---" : d.toISOString().slice(11, 23);
}

function show(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

function errorLines(err: unknown): string {
  if (typeof err !== "object" || err === null) return "";
  const stack = "stack" in err && typeof err.stack === "string" ? err.stack : undefined;
  const message = "message" in err && typeof err.message === "string" ? err.message : undefined;
  const text = stack ?? message;
  return text ? `\n    ${text.split("\n").join("\n    ")}` : "";
}

/** Formats one JSON log line; lines that are not JSON objects pass through unchanged. */
export function formatLine(line: string, colors = false): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return `${line.trimEnd()}\n`;
  const fields = Object.entries(entry);
  const get = (k: string): unknown => fields.find(([name]) => name === k)?.[1];
  const level = levelName(get("level"));
  const paint = colors && COLORS[level] ? (s: string) => `${COLORS[level]}${s}${RESET}` : (s: string) => s;
  const msg = get("msg");
  const rest = fields
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(" ");
  const head = `${clock(get("time"))} ${paint(level.padEnd(5))}`;
  const text = [head, typeof msg === "string" ? msg : "", rest].filter((s) => s !== "").join(" ");
  return `${text}${errorLines(get("err"))}\n`;
}

/** A pino destination that writes the human format to `out`. */
export function prettyStream(out: { write(chunk: string): unknown }, colors: boolean): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split("\n")) if (line !== "") out.write(formatLine(line, colors));
    },
  };
}
