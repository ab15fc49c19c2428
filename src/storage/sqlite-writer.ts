/**
 * The writer thread of SqliteStorage: the only connection that writes the key/value table. It does
 * group commit: every request that arrived while the previous COMMIT was being fsync'd is applied in
 * ONE transaction (one fsync), each request inside its own SAVEPOINT so that a failing request is
 * rolled back alone and the others still commit. Requests are acknowledged only after COMMIT returns,
 * so an acknowledged write is as durable as `synchronous` promises (FULL: fsync'd to the WAL).
 *
 * Started by sqlite.ts as a worker_threads Worker; does nothing when loaded any other way.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import Database from "better-sqlite3";
import {
  OP_PUT,
  WRITER_MARKER,
  asToWriter,
  errorCode,
  type DoneMessage,
  type FatalMessage,
  type WriteMessage,
  type WriterInit,
} from "./sqlite-protocol.js";

/** One request: ops [first, first + count) of `msg`. */
interface Request {
  readonly id: number;
  readonly msg: WriteMessage;
  readonly first: number;
  readonly count: number;
  failed: boolean;
}

interface Done {
  ok: number[];
  failed: number[];
  codes: string[];
}

function isWriterInit(data: unknown): data is WriterInit {
  return typeof data === "object" && data !== null && "marker" in data && data.marker === WRITER_MARKER;
}

function openWriter(init: WriterInit): Database.Database {
  const db = new Database(init.file);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${init.synchronous === "normal" ? "NORMAL" : "FULL"}`);
  db.pragma("busy_timeout = 5000");
  return db;
}

function runWriter(port: MessagePort, init: WriterInit): void {
  let db: Database.Database;
  try {
    db = openWriter(init);
  } catch (err) {
    const fatal: FatalMessage = { type: "fatal", code: errorCode(err) };
    port.postMessage(fatal);
    port.close();
    return;
  }
  const put = db.prepare<[string, Buffer]>(
    "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  );
  const del = db.prepare<[string]>("DELETE FROM kv WHERE key = ?");
  const begin = db.prepare("BEGIN IMMEDIATE");
  const commit = db.prepare("COMMIT");
  const rollback = db.prepare("ROLLBACK");
  const savepoint = db.prepare("SAVEPOINT req");
  const release = db.prepare("RELEASE req");
  const rollbackTo = db.prepare("ROLLBACK TO req");

  const queue: Request[] = [];
  let closing = false;

  function accept(raw: unknown): void {
    const msg = asToWriter(raw);
    if (msg === undefined) return;
    if (msg.type === "close") {
      closing = true;
      return;
    }
    let first = 0;
    for (let r = 0; r < msg.ids.length; r++) {
      const count = msg.counts[r] ?? 0;
      queue.push({ id: msg.ids[r] ?? -1, msg, first, count, failed: false });
      first += count;
    }
  }

  function apply(req: Request): void {
    const { kinds, keys, ends, data } = req.msg;
    for (let i = req.first; i < req.first + req.count; i++) {
      const key = keys[i] ?? "";
      if (kinds[i] === OP_PUT) {
        const start = i === 0 ? 0 : (ends[i - 1] ?? 0);
        const end = ends[i] ?? start;
        put.run(key, Buffer.from(data.buffer, data.byteOffset + start, end - start));
      } else {
        del.run(key);
      }
    }
  }

  function fail(done: Done, req: Request, err: unknown): void {
    if (req.failed) return;
    req.failed = true;
    done.failed.push(req.id);
    done.codes.push(errorCode(err));
  }

  /** Applies `batch` in one transaction (more only if the engine aborts it; see below). */
  function commitBatch(batch: Request[]): Done {
    const done: Done = { ok: [], failed: [], codes: [] };
    let todo = batch;
    while (todo.length > 0) {
      const applied: Request[] = [];
      let retry: Request[] | undefined;
      try {
        begin.run();
        for (let i = 0; i < todo.length; i++) {
          const req = todo[i]!;
          savepoint.run();
          try {
            apply(req);
            release.run();
            applied.push(req);
            continue;
          } catch (err) {
            fail(done, req, err);
          }
          if (!db.inTransaction) {
            // Some errors (SQLITE_FULL, IOERR, a trigger's RAISE(ROLLBACK)) roll back the whole
            // transaction: the culprit is rejected, everyone else is retried in a fresh one.
            retry = [...applied, ...todo.slice(i + 1)];
            break;
          }
          rollbackTo.run();
          release.run();
        }
        if (retry === undefined) {
          commit.run();
          for (const req of applied) done.ok.push(req.id);
        }
      } catch (err) {
        // BEGIN, the savepoint bookkeeping or COMMIT failed: nothing of this round is durable.
        if (db.inTransaction) {
          try {
            rollback.run();
          } catch {
            // The connection is unusable; every request below is rejected anyway.
          }
        }
        for (const req of todo) fail(done, req, err);
        retry = undefined;
      }
      todo = retry ?? [];
    }
    return done;
  }

  function pump(): void {
    for (;;) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        accept(m.message as unknown);
      }
      if (queue.length === 0) break;
      const done = commitBatch(queue.splice(0, queue.length));
      const ack: DoneMessage = { type: "done", ok: done.ok, failed: done.failed, codes: done.codes };
      port.postMessage(ack);
    }
    if (closing) {
      try {
        db.close();
      } finally {
        port.close();
      }
    }
  }

  port.on("message", (msg: unknown) => {
    accept(msg);
    pump();
  });
}

const init: unknown = workerData;
if (parentPort !== null && isWriterInit(init)) runWriter(parentPort, init);
