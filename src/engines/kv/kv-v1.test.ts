import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Operation, Request } from "../../core/request.js";
import { PrefixedView } from "../../core/view.js";
import { BackendRouter } from "../../framework/backend.js";
import { MemoryStorage } from "../../storage/memory.js";
import { kvBackend } from "./index.js";

/** A KV v1 mount over real memory storage, driven the way the pipeline drives it. */
function mount() {
  const storage = new PrefixedView(new MemoryStorage(), "");
  const router = new BackendRouter(kvBackend({ mountPath: "kv/", options: {}, clock: new ManualClock() }));
  async function request(operation: Operation, path: string, data: Record<string, unknown> = {}) {
    const route = router.match(path);
    if (!route) throw new Error(`no route for ${path}`);
    const req: Request = {
      id: "req-1",
      operation,
      path,
      mountPath: "kv/",
      mountType: "kv",
      data,
      caller: { namespace: "", remoteAddress: "127.0.0.1" },
      storage,
      headers: {},
    };
    const resolved = await router.resolveOperation(req, route);
    return { operation: resolved, response: await router.handle({ ...req, operation: resolved }, route) };
  }
  const call = async (operation: Operation, path: string, data?: Record<string, unknown>) =>
    (await request(operation, path, data)).response;
  return { request, call };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error("expected a rejection");
}

describe("KV v1", () => {
  it("writes, reads, overwrites and deletes arbitrary JSON objects", async () => {
    const kv = mount();
    const first = await kv.request("update", "app/db", { user: "u", nested: { n: [1, 2] }, path: "kept" });
    expect(first.operation).toBe("create");
    expect(first.response).toBeUndefined();
    expect((await kv.call("read", "app/db"))?.data).toEqual({
      user: "u",
      nested: { n: [1, 2] },
      path: "kept",
    });
    const second = await kv.request("update", "app/db", { only: "this" });
    expect(second.operation).toBe("update");
    expect((await kv.call("read", "app/db"))?.data).toEqual({ only: "this" });
    expect(await kv.call("delete", "app/db")).toBeUndefined();
    const missing = await rejection(kv.call("read", "app/db"));
    expect(missing).toBeInstanceOf(NotFound);
    expect(missing.message).toBe("");
  });

  it("returns a ttl (or lease) key as the lease duration hint, without failing on bad hints", async () => {
    const kv = mount();
    await kv.call("update", "ttl/hour", { value: "x", ttl: "1h" });
    await kv.call("update", "ttl/num", { value: "x", ttl: 90 });
    await kv.call("update", "ttl/lease", { value: "x", lease: "2m" });
    await kv.call("update", "ttl/none", { value: "x" });
    const hour = await kv.call("read", "ttl/hour");
    expect(hour?.leaseDurationHint).toBe(3600);
    expect(hour?.data).toEqual({ value: "x", ttl: "1h" });
    expect((await kv.call("read", "ttl/num"))?.leaseDurationHint).toBe(90);
    expect((await kv.call("read", "ttl/lease"))?.leaseDurationHint).toBe(120);
    expect((await kv.call("read", "ttl/none"))?.leaseDurationHint).toBeUndefined();
    expect(await rejection(kv.call("update", "ttl/bad", { ttl: "soon" }))).toBeInstanceOf(BadRequest);
  });

  it("rejects empty writes and paths no secret can live at", async () => {
    const kv = mount();
    expect((await rejection(kv.call("update", "x", {}))).message).toBe("missing data fields");
    expect((await rejection(kv.call("update", "", { a: 1 }))).message).toBe("missing path");
    expect(await rejection(kv.call("update", "folder/", { a: 1 }))).toBeInstanceOf(BadRequest);
  });

  it("lists keys and folders; empty listings are NotFound", async () => {
    const kv = mount();
    await kv.call("update", "app/db", { a: 1 });
    await kv.call("update", "app/cache/redis", { a: 1 });
    await kv.call("update", "top", { a: 1 });
    expect((await kv.call("list", ""))?.data).toEqual({ keys: ["app/", "top"] });
    expect((await kv.call("list", "app/"))?.data).toEqual({ keys: ["cache/", "db"] });
    expect(await rejection(kv.call("list", "none/"))).toBeInstanceOf(NotFound);
  });

  it("keeps a __proto__ member as plain data", async () => {
    const kv = mount();
    await kv.call("update", "proto", JSON.parse('{"__proto__": {"polluted": true}, "v": 1}'));
    const data = (await kv.call("read", "proto"))?.data ?? {};
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(JSON.stringify(data)).toBe('{"__proto__":{"polluted":true},"v":1}');
  });

  it.each(["a b/ü 🔑", "100%/%2E", "../x", "a/./b", "config.json", "a//b", "__proto__"])(
    "round-trips and lists %j",
    async (path) => {
      const kv = mount();
      await kv.call("update", path, { path });
      expect((await kv.call("read", path))?.data).toEqual({ path });
      const parts = path.split("/");
      const folder = parts.slice(0, -1).join("/");
      expect((await kv.call("list", folder === "" ? "" : `${folder}/`))?.data).toEqual({
        keys: [parts.at(-1)],
      });
    },
  );
});
