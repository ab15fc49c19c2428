import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { drain } from "./drain.js";

let app: FastifyInstance | undefined;
afterEach(async () => {
  app?.server.closeAllConnections();
  await app?.close();
  app = undefined;
});

/** A server whose /slow route answers only when `release` is called. */
async function slowServer(): Promise<{ url: string; release: () => void; arrived: Promise<void> }> {
  let release = (): void => undefined;
  let arrivedResolve = (): void => undefined;
  const arrived = new Promise<void>((r) => (arrivedResolve = r));
  const gate = new Promise<void>((r) => (release = r));
  app = Fastify();
  app.get("/slow", async () => {
    arrivedResolve();
    await gate;
    return { done: true };
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url, release, arrived };
}

describe("drain", () => {
  it("stops accepting, lets an in-flight request finish, then resolves true", async () => {
    const s = await slowServer();
    const inflight = fetch(`${s.url}/slow`);
    await s.arrived;
    const drained = drain(app!, 5000);
    await expect(fetch(`${s.url}/slow`)).rejects.toThrow();
    s.release();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(await drained).toBe(true);
  });

  it("cuts connections still busy after the bound and resolves false", async () => {
    const s = await slowServer();
    const inflight = fetch(`${s.url}/slow`).then(
      () => "answered",
      () => "cut",
    );
    await s.arrived;
    const started = Date.now();
    expect(await drain(app!, 150)).toBe(false);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await inflight).toBe("cut");
    s.release();
  });
});
