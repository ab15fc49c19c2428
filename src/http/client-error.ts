/**
 * Node's client errors (malformed HTTP, header overflow, request timeout) in Vault's envelope. They
 * happen before Fastify sees a request, so Fastify's own handler would answer in its format.
 */
import type { Duplex } from "node:stream";

const ANSWERS: Record<string, readonly [status: number, reason: string, message: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "request timed out"],
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large", "request headers too large"],
};
const BAD_REQUEST = [400, "Bad Request", "malformed HTTP request"] as const;

/** Answers (when nothing of a response was sent yet) and closes the connection, as Node does. */
export function answerClientError(err: Error & { code?: unknown }, socket: Duplex): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, reason, message] = (typeof err.code === "string" && ANSWERS[err.code]) || BAD_REQUEST;
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify({ errors: [message] });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
        `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
