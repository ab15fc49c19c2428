/** The device types: builds the sink for a stored device entry, validating its type's options. */
import { BadRequest } from "../core/errors.js";
import { durationOption, type DeviceEntry } from "./device-config.js";
import type { AuditEventStore } from "./event-store.js";
import { DatabaseSink } from "./sink-database.js";
import { DiscardSink, FileSink, StdoutSink } from "./sink-file.js";
import { SocketSink, type SocketType } from "./sink-socket.js";
import type { AuditSink } from "./sink.js";

export interface SinkDeps {
  /** The server's audit table; database devices cannot be enabled without one. */
  readonly table?: AuditEventStore;
  readonly stdout?: NodeJS.WritableStream;
}

function fileMode(raw: string | undefined): number | undefined {
  const text = raw?.trim() || "0600";
  if (!/^[0-7]{1,4}$/.test(text))
    throw new BadRequest(`invalid file mode "${text}": expected octal like 0600`);
  const mode = parseInt(text, 8);
  return mode === 0 ? undefined : mode;
}

function fileSink(e: DeviceEntry, prefix: string, deps: SinkDeps): AuditSink {
  const path = e.options.file_path ?? e.options.path;
  if (!path) throw new BadRequest("file_path is required");
  if (path === "stdout" || path === "-") return new StdoutSink(prefix, deps.stdout);
  if (path === "discard") return new DiscardSink();
  return new FileSink({ path, mode: fileMode(e.options.mode), prefix });
}

function socketSink(e: DeviceEntry, prefix: string): AuditSink {
  const address = e.options.address;
  if (!address) throw new BadRequest("address is required");
  const type = e.options.socket_type ?? "tcp";
  if (type !== "tcp" && type !== "udp" && type !== "unix") {
    throw new BadRequest(`invalid socket_type "${type}": expected tcp, udp or unix`);
  }
  const socketType: SocketType = type;
  try {
    return new SocketSink({
      address,
      socketType,
      writeTimeoutMs: durationOption(e.options, "write_timeout", 2) * 1000,
      prefix,
    });
  } catch (err) {
    if (err instanceof BadRequest) throw err;
    throw new BadRequest(`invalid socket address "${address}"`, { cause: err });
  }
}

function databaseSink(e: DeviceEntry, deps: SinkDeps): AuditSink {
  if (!deps.table) throw new BadRequest("the database audit device needs the server's SQL storage");
  durationOption(e.options, "retention_period", 0);
  return new DatabaseSink(deps.table, e.path);
}

export function createSink(e: DeviceEntry, prefix: string, deps: SinkDeps): AuditSink {
  switch (e.type) {
    case "file":
      return fileSink(e, prefix, deps);
    case "socket":
      return socketSink(e, prefix);
    case "database":
      return databaseSink(e, deps);
  }
}
