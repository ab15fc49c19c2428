import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Operation, Request, Response } from "../../core/request.js";
import { PrefixedView } from "../../core/view.js";
import { BackendRouter } from "../../framework/backend.js";
import { MemoryStorage } from "../../storage/memory.js";
import { kvBackend } from "./index.js";

const T0 = "2026-01-01T00:00:00Z";

/** A KV v2 mount over real memory storage, driven the way the pipeline drives it. */
function mount() {
  const clock = new ManualClock();
  const memory = new MemoryStorage();
  const storage = new PrefixedView(memory, "");
  const router = new BackendRouter(kvBackend({ mountPath: "secret/", options: { version: "2" }, clock }));
  let seq = 0;

  async function request(operation: Operation, path: string, data: Record<string, unknown> = {}) {
    const route = router.match(path);
    if (!route) throw new Error(`no route for ${path}`);
    const req: Request = {
      id: `req-${++seq}`,
      operation,
      path,
      mountPath: "secret/",
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
  const put = (path: string, data: Record<string, unknown>, options?: Record<string, unknown>) =>
    call("update", `data/${path}`, options ? { data, options } : { data });
  const get = async (path: string, version?: number): Promise<Response | undefined> =>
    call("read", `data/${path}`, version === undefined ? {} : { version: String(version) });
  const meta = async (path: string) => (await call("read", `metadata/${path}`))?.data ?? {};
  const versionKeys = async () => {
    const [folder] = await memory.list("ver/");
    return folder ? memory.list(`ver/${folder}`) : [];
  };
  return { clock, memory, request, call, put, get, meta, versionKeys };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error("expected a rejection");
}

describe("KV v2 data", () => {
  it("writes versions and reads the latest or a given one", async () => {
    const kv = mount();
    expect((await kv.put("app/db", { user: "u", password: "p1" }))?.data).toEqual({
      created_time: T0,
      custom_metadata: null,
      deletion_time: "",
      destroyed: false,
      version: 1,
    });
    kv.clock.advance(1.5);
    expect((await kv.put("app/db", { user: "u", password: "p2" }))?.data?.version).toBe(2);

    const latest = await kv.get("app/db");
    expect(latest?.status).toBeUndefined();
    expect(latest?.data).toEqual({
      data: { user: "u", password: "p2" },
      metadata: {
        created_time: "2026-01-01T00:00:01.5Z",
        custom_metadata: null,
        deletion_time: "",
        destroyed: false,
        version: 2,
      },
    });
    expect((await kv.get("app/db", 1))?.data?.data).toEqual({ user: "u", password: "p1" });
  });

  it("answers NotFound with no message for unknown keys and versions", async () => {
    const kv = mount();
    const missing = await rejection(kv.get("nope"));
    expect(missing).toBeInstanceOf(NotFound);
    expect(missing.message).toBe("");
    await kv.put("k", { a: 1 });
    expect(await rejection(kv.get("k", 7))).toBeInstanceOf(NotFound);
    expect(await rejection(kv.call("read", "metadata/nope"))).toBeInstanceOf(NotFound);
  });

  it("stores any JSON values and rejects a missing or non-object data field", async () => {
    const kv = mount();
    const secret = { n: 1, nested: { list: [1, "two", null] }, flag: false };
    await kv.put("json", secret);
    expect((await kv.get("json"))?.data?.data).toEqual(secret);
    expect((await rejection(kv.call("update", "data/json", {}))).message).toBe("no data provided");
    expect(await rejection(kv.call("update", "data/json", { data: [1] }))).toBeInstanceOf(BadRequest);
    expect((await rejection(kv.call("update", "data/", { data: {} }))).message).toBe("missing path");
  });

  it("resolves POST to create for new keys and update for existing ones", async () => {
    const kv = mount();
    expect((await kv.request("update", "data/new", { data: { a: 1 } })).operation).toBe("create");
    expect((await kv.request("update", "data/new", { data: { a: 2 } })).operation).toBe("update");
    expect((await kv.request("create", "metadata/other", { max_versions: 2 })).operation).toBe("create");
    expect((await kv.request("create", "metadata/other", { max_versions: 3 })).operation).toBe("update");
  });
});

describe("KV v2 check-and-set", () => {
  it("cas 0 creates only; cas must match the current version", async () => {
    const kv = mount();
    await kv.put("c", { v: 1 }, { cas: 0 });
    const again = await rejection(kv.put("c", { v: 2 }, { cas: 0 }));
    expect(again).toBeInstanceOf(BadRequest);
    expect(again.message).toBe("check-and-set parameter did not match the current version");
    expect((await kv.put("c", { v: 2 }, { cas: 1 }))?.data?.version).toBe(2);
    expect((await kv.put("c", { v: 3 }, { cas: "2" }))?.data?.version).toBe(3);
    expect((await rejection(kv.put("c", { v: 4 }, { cas: 2 }))).message).toMatch(/did not match/);
    expect(await rejection(kv.put("c", { v: 4 }, { cas: "x" }))).toBeInstanceOf(BadRequest);
    expect((await kv.get("c"))?.data?.data).toEqual({ v: 3 });
  });

  it("requires cas when the mount config or the key metadata says so", async () => {
    const kv = mount();
    await kv.call("update", "config", { cas_required: true });
    const required = await rejection(kv.put("m", { v: 1 }));
    expect(required.message).toBe("check-and-set parameter required for this call");
    await kv.put("m", { v: 1 }, { cas: 0 });
    await kv.call("update", "config", { cas_required: false });

    await kv.put("k", { v: 1 });
    await kv.call("update", "metadata/k", { cas_required: true });
    expect((await rejection(kv.put("k", { v: 2 }))).message).toBe(
      "check-and-set parameter required for this call",
    );
    expect((await kv.put("k", { v: 2 }, { cas: 1 }))?.data?.version).toBe(2);
    expect((await kv.meta("k")).cas_required).toBe(true);
  });

  it("lets exactly one of two concurrent cas 0 writes win", async () => {
    const kv = mount();
    const results = await Promise.allSettled([
      kv.put("race", { w: 1 }, { cas: 0 }),
      kv.put("race", { w: 2 }, { cas: 0 }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await kv.meta("race")).current_version).toBe(1);
  });
});

describe("KV v2 patch", () => {
  it("merge-patches the latest version: null deletes, objects merge, the rest replaces", async () => {
    const kv = mount();
    await kv.put("p", { keep: "k", drop: "d", nested: { a: 1, b: 2 }, list: [1, 2] });
    const res = await kv.call("patch", "data/p", {
      data: { drop: null, nested: { b: null, c: 3 }, list: [3], add: "x" },
    });
    expect(res?.data?.version).toBe(2);
    expect((await kv.get("p"))?.data?.data).toEqual({
      keep: "k",
      nested: { a: 1, c: 3 },
      list: [3],
      add: "x",
    });
    expect((await kv.get("p", 1))?.data?.data).toEqual({
      keep: "k",
      drop: "d",
      nested: { a: 1, b: 2 },
      list: [1, 2],
    });
  });

  it("keeps a __proto__ member as plain data", async () => {
    const kv = mount();
    await kv.put("proto", { a: 1 });
    await kv.call("patch", "data/proto", { data: JSON.parse('{"__proto__": {"polluted": true}}') as object });
    const data = (await kv.get("proto"))?.data?.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data).sort()).toEqual(["__proto__", "a"]);
  });

  it("404s without a live latest version and honours cas", async () => {
    const kv = mount();
    expect(await rejection(kv.call("patch", "data/none", { data: { a: 1 } }))).toBeInstanceOf(NotFound);
    await kv.put("p", { a: 1 });
    expect(
      (await rejection(kv.call("patch", "data/p", { data: { a: 2 }, options: { cas: 0 } }))).message,
    ).toMatch(/did not match/);
    expect((await kv.call("patch", "data/p", { data: { a: 2 }, options: { cas: 1 } }))?.data?.version).toBe(
      2,
    );
    expect((await rejection(kv.call("patch", "data/p", {}))).message).toBe("no data provided");

    await kv.call("delete", "data/p");
    const gone = await kv.call("patch", "data/p", { data: { a: 3 } });
    expect(gone?.status).toBe(404);
    expect(gone?.data?.data).toBeNull();
    expect((await kv.meta("p")).current_version).toBe(2);
  });
});

describe("KV v2 delete, undelete, destroy", () => {
  it("soft-deletes the latest version: 404 with the normal body, older versions intact", async () => {
    const kv = mount();
    await kv.put("s", { v: 1 });
    await kv.put("s", { v: 2 });
    kv.clock.advance(10);
    expect(await kv.call("delete", "data/s")).toBeUndefined();
    const read = await kv.get("s");
    expect(read?.status).toBe(404);
    expect(read?.data).toEqual({
      data: null,
      metadata: {
        created_time: T0,
        custom_metadata: null,
        deletion_time: "2026-01-01T00:00:10Z",
        destroyed: false,
        version: 2,
      },
    });
    expect((await kv.get("s", 1))?.data?.data).toEqual({ v: 1 });
    // Deleting again keeps the first deletion time.
    kv.clock.advance(5);
    await kv.call("delete", "data/s");
    expect((await kv.get("s"))?.data?.metadata).toMatchObject({ deletion_time: "2026-01-01T00:00:10Z" });
    expect(await kv.call("delete", "data/never-written")).toBeUndefined();
  });

  it("deletes and undeletes listed versions (array or comma string)", async () => {
    const kv = mount();
    for (const v of [1, 2, 3]) await kv.put("s", { v });
    await kv.call("update", "delete/s", { versions: "1,2" });
    expect((await kv.get("s", 1))?.status).toBe(404);
    expect((await kv.get("s", 2))?.status).toBe(404);
    expect((await kv.get("s", 3))?.status).toBeUndefined();
    await kv.call("update", "undelete/s", { versions: [1, 99] });
    expect((await kv.get("s", 1))?.data?.data).toEqual({ v: 1 });
    expect((await kv.meta("s")).versions).toMatchObject({
      "1": { deletion_time: "" },
      "2": { destroyed: false },
    });
    expect((await rejection(kv.call("update", "delete/s", {}))).message).toBe("no version number provided");
    expect((await rejection(kv.call("update", "undelete/s", { versions: [] }))).message).toBe(
      "no version number provided",
    );
    expect(await rejection(kv.call("update", "destroy/s", { versions: ["x"] }))).toBeInstanceOf(BadRequest);
    expect(await kv.call("update", "delete/unknown", { versions: [1] })).toBeUndefined();
  });

  it("destroys versions permanently: data removed, undelete has no effect", async () => {
    const kv = mount();
    await kv.put("d", { v: 1 });
    await kv.put("d", { v: 2 });
    expect(await kv.versionKeys()).toEqual(["1", "2"]);
    await kv.call("update", "destroy/d", { versions: [1] });
    expect(await kv.versionKeys()).toEqual(["2"]);
    const read = await kv.get("d", 1);
    expect(read?.status).toBe(404);
    expect(read?.data).toMatchObject({ data: null, metadata: { destroyed: true, version: 1 } });
    await kv.call("update", "undelete/d", { versions: [1] });
    expect((await kv.get("d", 1))?.status).toBe(404);
    expect((await kv.meta("d")).versions).toMatchObject({ "1": { destroyed: true } });
  });
});

describe("KV v2 version retention", () => {
  it("prunes the oldest versions past the mount's max_versions", async () => {
    const kv = mount();
    await kv.call("update", "config", { max_versions: 3 });
    for (const v of [1, 2, 3, 4, 5]) await kv.put("r", { v });
    const m = await kv.meta("r");
    expect(Object.keys(m.versions as object)).toEqual(["3", "4", "5"]);
    expect(m.oldest_version).toBe(3);
    expect(m.current_version).toBe(5);
    expect(await kv.versionKeys()).toEqual(["3", "4", "5"]);
    expect(await rejection(kv.get("r", 2))).toBeInstanceOf(NotFound);
    expect((await kv.get("r", 3))?.data?.data).toEqual({ v: 3 });
  });

  it("keeps 10 by default and lets the key's max_versions override", async () => {
    const kv = mount();
    for (let v = 1; v <= 11; v++) await kv.put("ten", { v });
    expect((await kv.meta("ten")).oldest_version).toBe(2);
    await kv.call("update", "metadata/two", { max_versions: 2 });
    for (const v of [1, 2, 3]) await kv.put("two", { v });
    expect(Object.keys((await kv.meta("two")).versions as object)).toEqual(["2", "3"]);
  });

  it("reads versions as deleted once delete_version_after has passed", async () => {
    const kv = mount();
    await kv.call("update", "config", { delete_version_after: "1h" });
    expect((await kv.call("read", "config"))?.data).toEqual({
      cas_required: false,
      delete_version_after: "1h0m0s",
      max_versions: 0,
    });
    const written = await kv.put("t", { v: 1 });
    expect(written?.data?.deletion_time).toBe("2026-01-01T01:00:00Z");
    kv.clock.advance(3599);
    expect((await kv.get("t"))?.data?.data).toEqual({ v: 1 });
    kv.clock.advance(1);
    const expired = await kv.get("t");
    expect(expired?.status).toBe(404);
    expect(expired?.data?.data).toBeNull();

    // A key may only shorten the mount's setting; undelete clears the deadline.
    await kv.call("update", "metadata/short", { delete_version_after: "30s" });
    await kv.call("update", "metadata/long", { delete_version_after: "2h" });
    expect((await kv.put("short", { v: 1 }))?.data?.deletion_time).toBe("2026-01-01T01:00:30Z");
    expect((await kv.put("long", { v: 1 }))?.data?.deletion_time).toBe("2026-01-01T02:00:00Z");
    await kv.call("update", "undelete/t", { versions: [1] });
    kv.clock.advance(86400);
    expect((await kv.get("t"))?.data?.data).toEqual({ v: 1 });
    expect((await kv.get("short"))?.status).toBe(404);
  });
});

describe("KV v2 metadata", () => {
  it("reads the full metadata shape", async () => {
    const kv = mount();
    await kv.put("app/db", { a: 1 });
    kv.clock.advance(2);
    await kv.put("app/db", { a: 2 });
    await kv.call("update", "metadata/app/db", {
      max_versions: 5,
      delete_version_after: "720h",
      custom_metadata: { owner: "team-a", tier: 1 },
    });
    expect(await kv.meta("app/db")).toEqual({
      cas_required: false,
      created_time: T0,
      current_version: 2,
      custom_metadata: { owner: "team-a", tier: "1" },
      delete_version_after: "720h0m0s",
      max_versions: 5,
      oldest_version: 0,
      updated_time: "2026-01-01T00:00:02Z",
      versions: {
        "1": { created_time: T0, deletion_time: "", destroyed: false },
        "2": { created_time: "2026-01-01T00:00:02Z", deletion_time: "", destroyed: false },
      },
    });
    expect((await kv.get("app/db"))?.data?.metadata).toMatchObject({ custom_metadata: { owner: "team-a" } });
  });

  it("writes only the settings sent and patches custom_metadata with merge semantics", async () => {
    const kv = mount();
    await kv.call("update", "metadata/k", { custom_metadata: { a: "1", b: "2" }, cas_required: true });
    await kv.call("update", "metadata/k", { max_versions: 4 });
    expect(await kv.meta("k")).toMatchObject({
      custom_metadata: { a: "1", b: "2" },
      cas_required: true,
      max_versions: 4,
    });
    await kv.call("patch", "metadata/k", { custom_metadata: { a: null, c: "3" }, max_versions: null });
    expect(await kv.meta("k")).toMatchObject({
      custom_metadata: { b: "2", c: "3" },
      cas_required: true,
      max_versions: 0,
    });
    await kv.call("update", "metadata/k", { custom_metadata: {} });
    expect((await kv.meta("k")).custom_metadata).toBeNull();
    expect(await rejection(kv.call("patch", "metadata/none", { max_versions: 1 }))).toBeInstanceOf(NotFound);
  });

  it("validates custom_metadata and settings", async () => {
    const kv = mount();
    const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"]));
    expect((await rejection(kv.call("update", "metadata/v", { custom_metadata: tooMany }))).message).toMatch(
      /at most 64 keys, provided 65/,
    );
    expect(
      await rejection(kv.call("update", "metadata/v", { custom_metadata: { k: "x".repeat(513) } })),
    ).toBeInstanceOf(BadRequest);
    expect(
      await rejection(kv.call("update", "metadata/v", { custom_metadata: { k: { deep: 1 } } })),
    ).toBeInstanceOf(BadRequest);
    expect(await rejection(kv.call("update", "metadata/v", { max_versions: -1 }))).toBeInstanceOf(BadRequest);
    expect(await rejection(kv.call("update", "metadata/v", { delete_version_after: "-1h" }))).toBeInstanceOf(
      BadRequest,
    );
  });

  it("deletes a key with all its versions", async () => {
    const kv = mount();
    await kv.put("gone", { v: 1 });
    await kv.put("gone", { v: 2 });
    expect(await kv.call("delete", "metadata/gone")).toBeUndefined();
    expect(await kv.versionKeys()).toEqual([]);
    expect(await rejection(kv.get("gone"))).toBeInstanceOf(NotFound);
    expect(await rejection(kv.call("read", "metadata/gone"))).toBeInstanceOf(NotFound);
    expect((await kv.put("gone", { v: 1 }, { cas: 0 }))?.data?.version).toBe(1);
  });
});

describe("KV v2 listing and odd paths", () => {
  it("lists keys and folders hierarchically; empty listings are NotFound", async () => {
    const kv = mount();
    await kv.put("app/db", { a: 1 });
    await kv.put("app/cache/redis", { a: 1 });
    await kv.put("app", { a: 1 });
    await kv.put("top", { a: 1 });
    expect((await kv.call("list", "metadata/"))?.data).toEqual({ keys: ["app", "app/", "top"] });
    expect((await kv.call("list", "metadata/app/"))?.data).toEqual({ keys: ["cache/", "db"] });
    expect((await kv.call("list", "metadata/app"))?.data).toEqual({ keys: ["cache/", "db"] });
    expect(await rejection(kv.call("list", "metadata/nothing/"))).toBeInstanceOf(NotFound);
    expect(await rejection(mount().call("list", "metadata/"))).toBeInstanceOf(NotFound);
  });

  it.each([
    ["spaces", "my secrets/a b"],
    ["unicode", "ü/日本語/🔑"],
    ["percent", "100%/%2F%41"],
    ["dot segments", "a/./b/../c"],
    ["dot names", "../up"],
    ["dots in names", "config.json/.env"],
    ["empty segment", "a//b"],
  ])("round-trips %s paths", async (_, path) => {
    const kv = mount();
    await kv.put(path, { path });
    expect((await kv.get(path))?.data?.data).toEqual({ path });
    const parts = path.split("/");
    const folder = parts.slice(0, -1).join("/");
    const listed = await kv.call("list", `metadata/${folder}${folder === "" ? "" : "/"}`);
    expect(listed?.data).toEqual({ keys: [parts.at(-1)] });
    const top = await kv.call("list", "metadata/");
    expect(top?.data).toEqual({ keys: [parts.length > 1 ? `${parts[0]}/` : parts[0]] });
  });

  it("keeps neighbouring odd paths apart", async () => {
    const kv = mount();
    const paths = [".", "..", "%2E", "%", "a", "%2F", "a%2Fb"];
    for (const p of paths) await kv.put(p, { p });
    for (const p of paths) expect((await kv.get(p))?.data?.data).toEqual({ p });
    expect((await kv.call("list", "metadata/"))?.data?.keys).toEqual([...paths].sort());
  });
});

describe("KV v2 subkeys and config", () => {
  it("returns the data's shape with null leaves, honouring depth", async () => {
    const kv = mount();
    await kv.put("s", { a: 1, b: { c: "x", d: { e: true } }, empty: {}, list: [1] });
    const all = await kv.call("read", "subkeys/s");
    expect(all?.data).toEqual({
      subkeys: { a: null, b: { c: null, d: { e: null } }, empty: null, list: null },
      metadata: { created_time: T0, custom_metadata: null, deletion_time: "", destroyed: false, version: 1 },
    });
    expect((await kv.call("read", "subkeys/s", { depth: "1" }))?.data?.subkeys).toEqual({
      a: null,
      b: null,
      empty: null,
      list: null,
    });
    await kv.call("delete", "data/s");
    const gone = await kv.call("read", "subkeys/s");
    expect(gone?.status).toBe(404);
    expect(gone?.data?.subkeys).toBeNull();
  });

  it("reads defaults and changes only the settings written", async () => {
    const kv = mount();
    expect((await kv.call("read", "config"))?.data).toEqual({
      cas_required: false,
      delete_version_after: "0s",
      max_versions: 0,
    });
    await kv.call("update", "config", { max_versions: 7 });
    await kv.call("update", "config", { cas_required: "true", delete_version_after: 90 });
    expect((await kv.call("read", "config"))?.data).toEqual({
      cas_required: true,
      delete_version_after: "1m30s",
      max_versions: 7,
    });
    expect(await rejection(kv.call("list", "data/"))).toBeInstanceOf(Error);
  });
});
