/**
 * Graceful HTTP shutdown: stop accepting connections, let in-flight requests finish, and after a
 * bound cut whatever is still open, so a stuck client cannot hold the process (or its storage) open.
 */
import type { FastifyInstance } from "fastify";

/** Resolves true when every request finished within `timeoutMs`, false when connections were cut. */
export async function drain(app: FastifyInstance, timeoutMs: number): Promise<boolean> {
  // Fastify stops listening, closes the keep-alive connections idle right now and answers 503 to new
  // requests on busy ones; it resolves once every connection is gone. A connection whose request
  // finishes later stays open as keep-alive, so it is swept once idle.
  const closed = app.close().then(() => true);
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const clean = await Promise.race([closed, expired]);
  clearInterval(sweep);
  clearTimeout(timer);
  if (!clean) {
    app.server.closeAllConnections();
    await closed;
  }
  return clean;
}
