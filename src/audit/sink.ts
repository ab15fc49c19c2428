/**
 * One audit device's output. The device (device.ts) formats, HMACs and chains entries; a sink only
 * stores them. Invariants: `write` resolves only once every line of the batch was handed to the
 * output (file, socket, table) in order, and rejects when any could not be; entries reaching a sink
 * are already HMAC'd.
 */
import type { ChainedEntry, ChainHead } from "./hash-chain.js";

export interface AuditSink {
  /**
   * Opens the output and returns the head of the chain it already holds (the last entry of an
   * existing file or table), or undefined when it holds none or cannot tell (sockets).
   */
  open(): Promise<ChainHead | undefined>;
  write(entries: readonly ChainedEntry[]): Promise<void>;
  close(): Promise<void>;
}

/** A sink whose stored chain the server can read back for `sys/audit/verify`. */
export interface ReadableSink extends AuditSink {
  /** Every stored line in order, with its location, for ChainVerifier. */
  readBack(): AsyncIterable<{ text: string; line: number }>;
}

export function isReadable(sink: AuditSink): sink is ReadableSink {
  return "readBack" in sink && typeof sink.readBack === "function";
}
