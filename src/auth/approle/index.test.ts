import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { BadRequest, NotFound } from "../../core/errors.js";
import { backendCaller, rejection } from "../../../test/helpers/backend.js";
import { PrefixedView, type ByteStore } from "../../core/view.js";
import { BackendRouter } from "../../framework/backend.js";
import { MemoryStorage } from "../../storage/memory.js";
import { appRoleBackend } from "./index.js";

/** A backend over memory storage that also keeps every plaintext value written, to look for leaks. */
function setup() {
  const clock = new ManualClock();
  const backend = appRoleBackend({ clock });
  const router = new BackendRouter(backend);
  const memory = new MemoryStorage();
  const written: string[] = [];
  const bytes: ByteStore = {
    get: (k) => memory.get(k),
    put: (k, v) => {
      written.push(`${k} ${new TextDecoder().decode(v)}`);
      return memory.put(k, v);
    },
    delete: (k) => memory.delete(k),
    list: (p) => memory.list(p),
  };
  const storage = new PrefixedView(bytes, "");
  const call = backendCaller(router, storage, { path: "auth/approle/", type: "approle" });
  return { clock, backend, router, call, written };
}

async function roleAndSecret(
  s: ReturnType<typeof setup>,
  role: Record<string, unknown> = {},
  secret: Record<string, unknown> = {},
) {
  await s.call("update", "role/app", { token_policies: ["app"], ...role });
  const roleId = String((await s.call("read", "role/app/role-id"))?.data?.role_id);
  const issued = (await s.call("update", "role/app/secret-id", secret))?.data ?? {};
  return { roleId, secretId: String(issued.secret_id), accessor: String(issued.secret_id_accessor), issued };
}

describe("approle backend", () => {
  it("routes sample URLs to the path they must hit, and only login is unauthenticated", () => {
    const { router } = setup();
    expect(router.match("role")?.spec.pattern).toBe("role");
    expect(router.match("role/app")?.spec.pattern).toBe("role/:role_name");
    expect(router.match("role/app/role-id")?.spec.pattern).toBe("role/:role_name/role-id");
    expect(router.match("role/app/secret-id")?.spec.pattern).toBe("role/:role_name/secret-id");
    expect(router.match("role/app/secret-id/lookup")?.spec.pattern).toBe("role/:role_name/secret-id/lookup");
    expect(router.match("role/app/secret-id-accessor/destroy")?.spec.pattern).toBe(
      "role/:role_name/secret-id-accessor/destroy",
    );
    expect(router.isUnauthenticated("login")).toBe(true);
    expect(router.isUnauthenticated("role/app")).toBe(false);
  });

  it("accepts the runbook's role body and reads it back with Vault's field names", async () => {
    const s = setup();
    await s.call("update", "role/admin", { role_name: "admin", policies: ["admin"], token_ttl: 86400 });
    const role = await s.call("read", "role/admin");
    expect(role?.data).toMatchObject({
      token_policies: ["admin"],
      policies: ["admin"],
      token_ttl: 86400,
      bind_secret_id: true,
      secret_id_num_uses: 0,
      secret_id_ttl: 0,
      secret_id_bound_cidrs: [],
    });
    await s.call("update", "role/admin", { token_max_ttl: "48h", secret_id_ttl: "10m" });
    expect((await s.call("read", "role/admin"))?.data).toMatchObject({
      token_ttl: 86400,
      token_max_ttl: 172800,
      secret_id_ttl: 600,
    });
    expect((await s.call("list", "role"))?.data).toEqual({ keys: ["admin"] });
    expect(await rejection(s.call("update", "role/admin", { token_ttl: "72h" }))).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("update", "role/bad*name", {}))).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("update", "role/x", { token_policies: ["root"] }))).toBeInstanceOf(
      BadRequest,
    );
    expect(await rejection(s.call("read", "role/missing"))).toBeInstanceOf(NotFound);
  });

  it("logs in with role_id and secret_id and grants the role's token settings", async () => {
    const s = setup();
    const { roleId, secretId, issued } = await roleAndSecret(
      s,
      { token_ttl: "1h", token_max_ttl: "4h", token_num_uses: 3 },
      { metadata: '{"team":"payments"}' },
    );
    expect(roleId).toMatch(/^[0-9a-f-]{36}$/);
    expect(issued).toMatchObject({ secret_id_ttl: 0, secret_id_num_uses: 0 });
    const res = await s.call("update", "login", { role_id: roleId, secret_id: secretId });
    expect(res?.authGrant).toMatchObject({
      policies: ["app"],
      ttlSeconds: 3600,
      maxTtlSeconds: 14400,
      numUses: 3,
      renewable: true,
      displayName: "app",
      metadata: { role_name: "app", team: "payments" },
      aliasName: roleId,
    });
  });

  it("answers the same error whichever half of the credential is wrong", async () => {
    const s = setup();
    const { roleId, secretId } = await roleAndSecret(s);
    const wrongSecret = await rejection(s.call("update", "login", { role_id: roleId, secret_id: "nope" }));
    const wrongRole = await rejection(s.call("update", "login", { role_id: "nope", secret_id: secretId }));
    expect(wrongSecret).toBeInstanceOf(BadRequest);
    expect(wrongSecret.message).toBe("invalid role or secret ID");
    expect(wrongRole.message).toBe(wrongSecret.message);
    expect((await rejection(s.call("update", "login", { secret_id: secretId }))).message).toBe(
      "missing role_id",
    );
    expect((await rejection(s.call("update", "login", { role_id: roleId }))).message).toBe(
      "missing secret_id",
    );
  });

  it("stores secret ids only as keyed hashes", async () => {
    const s = setup();
    const { secretId } = await roleAndSecret(s);
    const custom = "my-custom-secret-id-value";
    await s.call("update", "role/app/custom-secret-id", { secret_id: custom });
    expect(s.written.length).toBeGreaterThan(0);
    for (const w of s.written) {
      expect(w).not.toContain(secretId);
      expect(w).not.toContain(custom);
    }
  });

  it("spends secret_id_num_uses, then refuses the secret id", async () => {
    const s = setup();
    const { roleId, secretId } = await roleAndSecret(s, { secret_id_num_uses: 2 });
    await s.call("update", "login", { role_id: roleId, secret_id: secretId });
    const looked = await s.call("update", "role/app/secret-id/lookup", { secret_id: secretId });
    expect(looked?.data).toMatchObject({ secret_id_num_uses: 1 });
    await s.call("update", "login", { role_id: roleId, secret_id: secretId });
    expect(
      await rejection(s.call("update", "login", { role_id: roleId, secret_id: secretId })),
    ).toBeInstanceOf(BadRequest);
    expect(await s.call("update", "role/app/secret-id/lookup", { secret_id: secretId })).toBeUndefined();
  });

  it("never lets concurrent logins share the last use of a secret id", async () => {
    const s = setup();
    const { roleId, secretId } = await roleAndSecret(s, { secret_id_num_uses: 1 });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => s.call("update", "login", { role_id: roleId, secret_id: secretId })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("expires secret ids after their TTL and keeps per-id limits within the role's", async () => {
    const s = setup();
    const { roleId, secretId, issued } = await roleAndSecret(s, {
      secret_id_ttl: "10m",
      secret_id_num_uses: 5,
    });
    expect(issued).toMatchObject({ secret_id_ttl: 600, secret_id_num_uses: 5 });
    const shorter = await s.call("update", "role/app/secret-id", { ttl: "1m", num_uses: 2 });
    expect(shorter?.data).toMatchObject({ secret_id_ttl: 60, secret_id_num_uses: 2 });
    expect(await rejection(s.call("update", "role/app/secret-id", { ttl: "1h" }))).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("update", "role/app/secret-id", { num_uses: 6 }))).toBeInstanceOf(
      BadRequest,
    );
    const lookup = await s.call("update", "role/app/secret-id/lookup", { secret_id: secretId });
    expect(lookup?.data?.expiration_time).toBe(new Date(s.clock.now() + 600_000).toISOString());
    s.clock.advance(601);
    expect(
      (await rejection(s.call("update", "login", { role_id: roleId, secret_id: secretId }))).message,
    ).toBe("invalid role or secret ID");
  });

  it("checks the caller's address against the role's and the secret id's CIDR blocks", async () => {
    const s = setup();
    const { roleId, secretId } = await roleAndSecret(s, { secret_id_bound_cidrs: "10.0.0.0/8" });
    const login = { role_id: roleId, secret_id: secretId };
    expect((await rejection(s.call("update", "login", login, "192.168.1.1"))).message).toMatch(
      /unauthorized through CIDR restrictions on the role/,
    );
    expect((await s.call("update", "login", login, "10.2.3.4"))?.authGrant).toBeDefined();
    expect(
      await rejection(s.call("update", "role/app/secret-id", { cidr_list: ["192.168.0.0/16"] })),
    ).toBeInstanceOf(BadRequest);
    const narrow = (
      await s.call("update", "role/app/secret-id", {
        cidr_list: "10.1.0.0/16",
        token_bound_cidrs: ["10.1.0.0/16"],
      })
    )?.data;
    const narrowLogin = { role_id: roleId, secret_id: String(narrow?.secret_id) };
    expect((await rejection(s.call("update", "login", narrowLogin, "10.2.3.4"))).message).toMatch(
      /secret ID/,
    );
    const ok = await s.call("update", "login", narrowLogin, "10.1.9.9");
    expect(ok?.authGrant?.boundCidrs).toEqual(["10.1.0.0/16"]);
  });

  it("manages secret ids by accessor and custom ids, and deleting the role removes them", async () => {
    const s = setup();
    const { roleId, secretId, accessor } = await roleAndSecret(s);
    const custom = await s.call("update", "role/app/custom-secret-id", {
      secret_id: "push-model-id",
      ttl: 60,
    });
    expect(custom?.data).toMatchObject({ secret_id: "push-model-id", secret_id_ttl: 60 });
    expect(
      await rejection(s.call("update", "role/app/custom-secret-id", { secret_id: "push-model-id" })),
    ).toBeInstanceOf(BadRequest);
    const keys = (await s.call("list", "role/app/secret-id"))?.data?.keys;
    expect(keys).toHaveLength(2);
    expect(keys).toContain(accessor);
    const byAccessor = await s.call("update", "role/app/secret-id-accessor/lookup", {
      secret_id_accessor: accessor,
    });
    expect(byAccessor?.data).toMatchObject({ secret_id_accessor: accessor, metadata: {}, cidr_list: [] });
    expect(JSON.stringify(byAccessor)).not.toContain(secretId);
    await s.call("update", "role/app/secret-id-accessor/destroy", { secret_id_accessor: accessor });
    expect(
      await rejection(s.call("update", "login", { role_id: roleId, secret_id: secretId })),
    ).toBeInstanceOf(BadRequest);
    expect(
      await rejection(
        s.call("update", "role/app/secret-id-accessor/lookup", { secret_id_accessor: accessor }),
      ),
    ).toBeInstanceOf(NotFound);
    await s.call("update", "login", { role_id: roleId, secret_id: "push-model-id" });
    await s.call("update", "role/app/secret-id/destroy", { secret_id: "push-model-id" });
    expect(await rejection(s.call("list", "role/app/secret-id"))).toBeInstanceOf(NotFound);

    const again = await s.call("update", "role/app/secret-id");
    await s.call("delete", "role/app");
    expect(
      await rejection(
        s.call("update", "login", { role_id: roleId, secret_id: String(again?.data?.secret_id) }),
      ),
    ).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("list", "role"))).toBeInstanceOf(NotFound);
  });

  it("sets a custom role_id, keeps role ids unique, and needs a constraint without bind_secret_id", async () => {
    const s = setup();
    const { secretId } = await roleAndSecret(s);
    await s.call("update", "role/app/role-id", { role_id: "custom-role-id" });
    expect((await s.call("read", "role/app/role-id"))?.data).toEqual({ role_id: "custom-role-id" });
    expect(
      (await s.call("update", "login", { role_id: "custom-role-id", secret_id: secretId }))?.authGrant,
    ).toBeDefined();
    await s.call("update", "role/other", { token_policies: ["x"] });
    expect(
      await rejection(s.call("update", "role/other/role-id", { role_id: "custom-role-id" })),
    ).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("update", "role/open", { bind_secret_id: false }))).toBeInstanceOf(
      BadRequest,
    );
    await s.call("update", "role/open", {
      bind_secret_id: false,
      secret_id_bound_cidrs: ["127.0.0.0/8"],
      role_id: "open-id",
    });
    expect((await s.call("update", "login", { role_id: "open-id" }))?.authGrant).toBeDefined();
    expect(await rejection(s.call("update", "role/open/secret-id"))).toBeInstanceOf(BadRequest);
  });
  it("serves one endpoint per role setting, as Vault does", async () => {
    const s = setup();
    await s.call("update", "role/app", { token_policies: ["a"], secret_id_num_uses: 3 });
    expect(s.router.match("role/app/secret-id-ttl")?.spec.pattern).toBe("role/:role_name/secret-id-ttl");
    expect((await s.call("read", "role/app/policies"))?.data).toEqual({
      token_policies: ["a"],
      policies: ["a"],
    });
    await s.call("update", "role/app/policies", { policies: "b,c" });
    expect((await s.call("read", "role/app"))?.data?.token_policies).toEqual(["b", "c"]);
    await s.call("update", "role/app/token-ttl", { token_ttl: "10m" });
    expect((await s.call("read", "role/app/token-ttl"))?.data).toEqual({ token_ttl: 600 });
    expect((await s.call("read", "role/app/secret-id-num-uses"))?.data).toEqual({ secret_id_num_uses: 3 });
    await s.call("delete", "role/app/secret-id-num-uses");
    expect((await s.call("read", "role/app/secret-id-num-uses"))?.data).toEqual({ secret_id_num_uses: 0 });
    await s.call("update", "role/app/period", { period: "1h" });
    expect((await s.call("read", "role/app/period"))?.data).toEqual({ token_period: 3600, period: 3600 });
    expect(await rejection(s.call("update", "role/app/token-ttl", {}))).toBeInstanceOf(BadRequest);
    expect(
      await rejection(s.call("update", "role/app/token-bound-cidrs", { token_bound_cidrs: "junk" })),
    ).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("update", "role/ghost/token-ttl", { token_ttl: 5 }))).toBeInstanceOf(
      NotFound,
    );
    // The other settings are untouched by a single-setting write.
    expect((await s.call("read", "role/app"))?.data).toMatchObject({
      token_policies: ["b", "c"],
      token_ttl: 600,
    });
  });
  it("tidies expired secret ids", async () => {
    const s = setup();
    const { accessor } = await roleAndSecret(s, {}, { ttl: 60 });
    const keep = (await s.call("update", "role/app/secret-id"))?.data?.secret_id_accessor;
    s.clock.advance(61);
    const res = await s.call("update", "tidy/secret-id");
    expect(res).toMatchObject({ status: 202 });
    const keys = (await s.call("list", "role/app/secret-id"))?.data?.keys;
    expect(keys).toEqual([keep]);
    expect(keys).not.toContain(accessor);
  });
});
