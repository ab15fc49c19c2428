import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { BackendRouter } from "../../framework/backend.js";
import { kvBackend } from "./index.js";

const clock = new ManualClock();
const v2 = new BackendRouter(kvBackend({ mountPath: "secret/", options: { version: "2" }, clock }));
const v1 = new BackendRouter(kvBackend({ mountPath: "kv/", options: {}, clock }));

describe("KV v2 routing", () => {
  it.each([
    ["config", "config", undefined],
    ["data/app/db", "data/:path*", "app/db"],
    ["data/config", "data/:path*", "config"],
    ["data/metadata/x", "data/:path*", "metadata/x"],
    ["data/a b/ü/%41", "data/:path*", "a b/ü/%41"],
    ["metadata", "metadata/:path*", ""],
    ["metadata/", "metadata/:path*", ""],
    ["metadata/app/", "metadata/:path*", "app/"],
    ["metadata/data/x", "metadata/:path*", "data/x"],
    ["delete/app/db", "delete/:path*", "app/db"],
    ["undelete/app/db", "undelete/:path*", "app/db"],
    ["destroy/app/db", "destroy/:path*", "app/db"],
    ["subkeys/app/db", "subkeys/:path*", "app/db"],
  ])("%s -> %s", (path, pattern, captured) => {
    const match = v2.match(path);
    expect(match?.spec.pattern).toBe(pattern);
    expect(match?.captures.path).toBe(captured);
  });

  it.each(["nope/x", "datax", "configx", "config/x", ""])("%j matches nothing", (path) => {
    expect(v2.match(path)).toBeUndefined();
  });
});

describe("KV v1 routing", () => {
  it.each([
    ["app/db", "app/db"],
    ["config", "config"],
    ["data/x", "data/x"],
    ["", ""],
  ])("%j -> :path* with path %j", (path, captured) => {
    const match = v1.match(path);
    expect(match?.spec.pattern).toBe(":path*");
    expect(match?.captures.path).toBe(captured);
  });

  it("is v1 unless options.version is exactly 2", () => {
    const other = kvBackend({ mountPath: "kv/", options: { version: "1" }, clock });
    expect(other.paths.map((p) => p.pattern)).toEqual([":path*"]);
  });
});
