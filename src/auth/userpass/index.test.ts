import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { BadRequest, NotFound, PermissionDenied } from "../../core/errors.js";
import type { StorageView } from "../../core/request.js";
import { backendCaller, rejection } from "../../../test/helpers/backend.js";
import { PrefixedView } from "../../core/view.js";
import { BackendRouter } from "../../framework/backend.js";
import { MemoryStorage } from "../../storage/memory.js";
import { ensureBootstrapUser, userpassBackend } from "./index.js";
import { hashPassword, verifyPassword } from "./password.js";

function setup() {
  const router = new BackendRouter(userpassBackend());
  const storage: StorageView = new PrefixedView(new MemoryStorage(), "");
  const call = backendCaller(router, storage, { path: "auth/userpass/", type: "userpass" });
  return { router, storage, call };
}

describe("password hashing", () => {
  it("hashes with salted scrypt and verifies only the right password", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    expect(a).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("correct horse");
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("correct horsf", a)).toBe(false);
    expect(await verifyPassword("x", "not a hash")).toBe(false);
    expect(await verifyPassword("x", "$scrypt$ln=40,r=8,p=1$AAAA$AAAA")).toBe(false);
  });

  it("verifies bcrypt hashes such as ADMIN_PASSWORD_HASH", async () => {
    const hash = bcrypt.hashSync("s3cret", 4);
    expect(await verifyPassword("s3cret", hash)).toBe(true);
    expect(await verifyPassword("s3cre", hash)).toBe(false);
  });
});

describe("userpass backend", () => {
  it("routes sample URLs and only login is unauthenticated", () => {
    const { router } = setup();
    expect(router.match("users")?.spec.pattern).toBe("users");
    expect(router.match("users/alice")?.spec.pattern).toBe("users/:username");
    expect(router.match("users/alice/password")?.spec.pattern).toBe("users/:username/password");
    expect(router.match("login/alice")?.spec.pattern).toBe("login/:username");
    expect(router.isUnauthenticated("login/alice")).toBe(true);
    expect(router.isUnauthenticated("users/alice")).toBe(false);
  });

  it("creates users, never returns the password, and logs them in", async () => {
    const s = setup();
    expect((await rejection(s.call("update", "users/alice", { token_policies: "dev" }))).message).toBe(
      "missing password",
    );
    await s.call("update", "users/Alice", { password: "pw-1", token_policies: "dev,ops", token_ttl: "1h" });
    const read = await s.call("read", "users/alice");
    expect(read?.data).toMatchObject({
      token_policies: ["dev", "ops"],
      policies: ["dev", "ops"],
      token_ttl: 3600,
    });
    expect(JSON.stringify(read)).not.toContain("pw-1");
    expect((await s.call("list", "users"))?.data).toEqual({ keys: ["alice"] });

    const res = await s.call("update", "login/ALICE", { password: "pw-1" });
    expect(res?.authGrant).toMatchObject({
      policies: ["dev", "ops"],
      ttlSeconds: 3600,
      metadata: { username: "alice" },
      displayName: "alice",
      aliasName: "alice",
    });
    // An update without a password keeps it.
    await s.call("update", "users/alice", { token_ttl: "2h" });
    expect((await s.call("update", "login/alice", { password: "pw-1" }))?.authGrant?.ttlSeconds).toBe(7200);
  });

  it("answers the same error for an unknown user and a wrong password", async () => {
    const s = setup();
    await s.call("update", "users/bob", { password: "right" });
    const wrong = await rejection(s.call("update", "login/bob", { password: "wrong" }));
    const unknown = await rejection(s.call("update", "login/nobody", { password: "right" }));
    expect(wrong).toBeInstanceOf(BadRequest);
    expect(wrong.message).toBe("invalid username or password");
    expect(unknown.message).toBe(wrong.message);
    expect((await rejection(s.call("update", "login/bob", {}))).message).toBe("missing password");
  });

  it("changes passwords and policies through their own endpoints", async () => {
    const s = setup();
    await s.call("update", "users/carol", { password: "old", policies: ["a"] });
    await s.call("update", "users/carol/password", { password: "new" });
    expect(await rejection(s.call("update", "login/carol", { password: "old" }))).toBeInstanceOf(BadRequest);
    await s.call("update", "users/carol/policies", { token_policies: ["b", "c"] });
    expect((await s.call("update", "login/carol", { password: "new" }))?.authGrant?.policies).toEqual([
      "b",
      "c",
    ]);
    expect(await rejection(s.call("update", "users/carol/policies", { policies: ["root"] }))).toBeInstanceOf(
      BadRequest,
    );
    expect(await rejection(s.call("update", "users/ghost/password", { password: "x" }))).toBeInstanceOf(
      NotFound,
    );
    await s.call("delete", "users/carol");
    expect(await rejection(s.call("read", "users/carol"))).toBeInstanceOf(NotFound);
    expect(await rejection(s.call("update", "login/carol", { password: "new" }))).toBeInstanceOf(BadRequest);
  });

  it("refuses logins from outside the user's token_bound_cidrs", async () => {
    const s = setup();
    await s.call("update", "users/dave", { password: "pw", token_bound_cidrs: ["10.0.0.0/8"] });
    expect(await rejection(s.call("update", "login/dave", { password: "pw" }, "192.168.0.1"))).toBeInstanceOf(
      PermissionDenied,
    );
    expect(
      (await s.call("update", "login/dave", { password: "pw" }, "10.9.9.9"))?.authGrant?.boundCidrs,
    ).toEqual(["10.0.0.0/8"]);
  });

  it("bootstraps an admin user from a bcrypt hash, keeping an operator's other settings", async () => {
    const s = setup();
    const hash = bcrypt.hashSync("admin-pw", 4);
    await ensureBootstrapUser(s.storage, "Admin", hash, "admin");
    expect((await s.call("update", "login/admin", { password: "admin-pw" }))?.authGrant?.policies).toEqual([
      "admin",
    ]);
    await s.call("update", "users/admin", { token_policies: ["ops"], token_ttl: "30m" });
    const next = bcrypt.hashSync("rotated", 4);
    await ensureBootstrapUser(s.storage, "admin", next, "admin");
    expect(await rejection(s.call("update", "login/admin", { password: "admin-pw" }))).toBeInstanceOf(
      BadRequest,
    );
    const grant = (await s.call("update", "login/admin", { password: "rotated" }))?.authGrant;
    expect(grant?.policies).toEqual(["ops", "admin"]);
    expect(grant?.ttlSeconds).toBe(1800);
    await expect(ensureBootstrapUser(s.storage, "admin", "plain-text", "admin")).rejects.toThrow(/bcrypt/);
  });
});
