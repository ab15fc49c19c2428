import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Operation, Request, StorageView } from "../../core/request.js";
import { PrefixedView } from "../../core/view.js";
import { BackendRouter } from "../../framework/backend.js";
import { MemoryStorage } from "../../storage/memory.js";
import { cubbyholeBackend } from "./index.js";

const router = new BackendRouter(
  cubbyholeBackend({ mountPath: "cubbyhole/", options: {}, clock: new ManualClock() }),
);

/** The pipeline scopes the view to the caller's token; two views model two tokens. */
function tokens() {
  const memory = new MemoryStorage();
  const root = new PrefixedView(memory, "");
  return { alice: root.sub("token-a/"), bob: root.sub("token-b/") };
}

async function request(
  storage: StorageView,
  operation: Operation,
  path: string,
  data: Record<string, unknown> = {},
) {
  const route = router.match(path);
  if (!route) throw new Error(`no route for ${path}`);
  const req: Request = {
    id: "req-1",
    operation,
    path,
    mountPath: "cubbyhole/",
    mountType: "cubbyhole",
    data,
    caller: { namespace: "", remoteAddress: "127.0.0.1" },
    storage,
    headers: {},
  };
  const resolved = await router.resolveOperation(req, route);
  return { operation: resolved, response: await router.handle({ ...req, operation: resolved }, route) };
}

const call = async (
  storage: StorageView,
  operation: Operation,
  path: string,
  data?: Record<string, unknown>,
) => (await request(storage, operation, path, data)).response;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error("expected a rejection");
}

describe("cubbyhole", () => {
  it("routes every path to the one flat spec", () => {
    for (const path of ["", "a", "a/b/c", "config", "data/x"]) {
      expect(router.match(path)?.spec.pattern).toBe(":path*");
      expect(router.match(path)?.captures.path).toBe(path);
    }
  });

  it("stores, reads, lists and deletes within the caller's own view", async () => {
    const { alice, bob } = tokens();
    expect((await request(alice, "update", "app/key", { v: "1", ttl: "1h" })).operation).toBe("create");
    expect((await request(alice, "update", "app/key", { v: "2", ttl: "1h" })).operation).toBe("update");
    await call(alice, "update", "top", { v: "t" });
    const read = await call(alice, "read", "app/key");
    expect(read?.data).toEqual({ v: "2", ttl: "1h" });
    expect(read?.leaseDurationHint).toBeUndefined();
    expect((await call(alice, "list", ""))?.data).toEqual({ keys: ["app/", "top"] });

    expect(await rejection(call(bob, "read", "app/key"))).toBeInstanceOf(NotFound);
    expect(await rejection(call(bob, "list", ""))).toBeInstanceOf(NotFound);

    expect(await call(alice, "delete", "app/key")).toBeUndefined();
    const missing = await rejection(call(alice, "read", "app/key"));
    expect(missing).toBeInstanceOf(NotFound);
    expect(missing.message).toBe("");
  });

  it("rejects empty writes and folder paths; keeps odd paths distinct", async () => {
    const { alice } = tokens();
    expect((await rejection(call(alice, "update", "x", {}))).message).toBe("missing data fields");
    expect(await rejection(call(alice, "update", "x/", { a: 1 }))).toBeInstanceOf(BadRequest);
    for (const path of [".", "..", "%2E", "a b/ü"]) await call(alice, "update", path, { path });
    for (const path of [".", "..", "%2E", "a b/ü"])
      expect((await call(alice, "read", path))?.data).toEqual({ path });
    expect((await call(alice, "list", ""))?.data).toEqual({ keys: ["%2E", ".", "..", "a b/"] });
  });
});
