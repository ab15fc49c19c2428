/**
 * The messages between SqliteStorage (main thread) and its writer thread (sqlite-writer.ts). Write
 * requests travel packed: one message carries every request queued on the main thread in one tick,
 * their put values copied into a single transferred buffer, so nothing is serialised per op beyond the
 * key string. Acknowledgements carry request ids and, for failures, only the SQLite error code (never
 * the engine's message, which could echo keys or values).
 */

export type Synchronous = "full" | "normal";

/** `workerData` of the writer thread. */
export interface WriterInit {
  readonly marker: typeof WRITER_MARKER;
  readonly file: string;
  readonly synchronous: Synchronous;
}

export const WRITER_MARKER = "secrethub-sqlite-writer";
export const OP_PUT = 0;
export const OP_DELETE = 1;

/**
 * Requests `ids[r]` with `counts[r]` ops each, in order. Op `i` is `kinds[i]` on `keys[i]`; a put's
 * value is `data[ends[i - 1] ?? 0, ends[i])` (a delete's range is empty).
 */
export interface WriteMessage {
  readonly type: "write";
  readonly ids: Float64Array;
  readonly counts: Uint32Array;
  readonly kinds: Uint8Array;
  readonly keys: readonly string[];
  readonly ends: Uint32Array;
  readonly data: Uint8Array;
}

/** Sent once, after the last write: the writer closes its connection and exits. */
export interface CloseMessage {
  readonly type: "close";
}

/** One group commit's outcome: `ok` are durable; `failed[i]` applied nothing, because of `codes[i]`. */
export interface DoneMessage {
  readonly type: "done";
  readonly ok: readonly number[];
  readonly failed: readonly number[];
  readonly codes: readonly string[];
}

/** The writer could not open its connection; it exits after sending this. */
export interface FatalMessage {
  readonly type: "fatal";
  readonly code: string;
}

export type ToWriter = WriteMessage | CloseMessage;
export type FromWriter = DoneMessage | FatalMessage;

function typeOf(msg: unknown): unknown {
  return typeof msg === "object" && msg !== null && "type" in msg ? msg.type : undefined;
}

/** Messages cross a thread boundary as `unknown`; both ends only ever send these shapes. */
export function asToWriter(msg: unknown): ToWriter | undefined {
  const t = typeOf(msg);
  return t === "write" || t === "close" ? (msg as ToWriter) : undefined;
}

export function asFromWriter(msg: unknown): FromWriter | undefined {
  const t = typeOf(msg);
  return t === "done" || t === "fatal" ? (msg as FromWriter) : undefined;
}

/** An engine error reduced to its SQLite code (e.g. SQLITE_CONSTRAINT_TRIGGER): safe to log. */
export function errorCode(err: unknown): string {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") {
    return /^[A-Z0-9_]{1,64}$/.test(err.code) ? err.code : "SQLITE_ERROR";
  }
  return "EUNKNOWN";
}
