import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.js";
import { BadRequest, PermissionDenied } from "../../core/errors.js";
import type { Operation, Request, Response } from "../../core/request.js";
import { PrefixedView } from "../../core/view.js";
import { BackendRouter } from "../../framework/backend.js";
import { MemoryStorage } from "../../storage/memory.js";
import { TokenStore } from "../../token/store.js";
import { tokenBackend } from "./index.js";

let clock: ManualClock;
let store: TokenStore;
let router: BackendRouter;
let rootToken: string;

beforeEach(async () => {
  clock = new ManualClock();
  store = new TokenStore({ storage: new PrefixedView(new MemoryStorage(), ""), clock });
  router = new BackendRouter(tokenBackend({ store, clock }));
  rootToken = (await store.create({ policies: ["root"], displayName: "root", path: "auth/token/root" }))
    .token;
});

/** Drives the backend as the pipeline does: resolve the token, route, parse fields, handle. */
async function call(
  operation: Operation,
  path: string,
  token: string,
  data: Record<string, unknown> = {},
): Promise<Response | undefined> {
  const entry = await store.lookup(token);
  if (!entry) throw new PermissionDenied();
  const route = router.match(path);
  if (!route) throw new Error(`no route for ${path}`);
  const req: Request = {
    id: "req-1",
    operation,
    path,
    mountPath: "auth/token/",
    mountType: "token",
    data,
    caller: { namespace: "", remoteAddress: "127.0.0.1", token: store.toCallerToken(entry) },
    clientToken: token,
    storage: new PrefixedView(new MemoryStorage(), ""),
    headers: {},
  };
  return router.handle(req, route);
}

async function create(token: string, data: Record<string, unknown> = {}, path = "create") {
  const res = await call("update", path, token, data);
  const auth = res?.auth;
  if (!auth) throw new Error("no auth block");
  return { res: res, auth };
}

describe("token backend routes", () => {
  it("maps sample paths to the intended specs", () => {
    const cases: Array<[string, string]> = [
      ["create", "create"],
      ["create/", "create"],
      ["create-orphan", "create-orphan"],
      ["lookup", "lookup"],
      ["lookup-self", "lookup-self"],
      ["lookup-accessor", "lookup-accessor"],
      ["renew", "renew"],
      ["renew-self", "renew-self"],
      ["renew-accessor", "renew-accessor"],
      ["revoke", "revoke"],
      ["revoke-self", "revoke-self"],
      ["revoke-accessor", "revoke-accessor"],
      ["revoke-orphan", "revoke-orphan"],
      ["accessors", "accessors"],
      ["accessors/", "accessors"],
    ];
    for (const [path, pattern] of cases) expect(router.match(path)?.spec.pattern, path).toBe(pattern);
    expect(router.match("create/role")).toBeUndefined();
    expect(router.match("lookup-selfish")).toBeUndefined();
  });

  it("marks only accessors and revoke-orphan as sudo, and nothing unauthenticated", () => {
    const sudo = router.backend.paths.filter((p) => p.sudo).map((p) => p.pattern);
    expect(sudo.sort()).toEqual(["accessors", "revoke-orphan"]);
    expect(router.backend).toMatchObject({ kind: "auth", type: "token" });
    expect(router.isUnauthenticated("lookup-self")).toBe(false);
  });
});

describe("auth/token/create", () => {
  it("mints a child token with Vault's auth block and data null", async () => {
    const { res, auth } = await create(rootToken, {
      policies: "app,db",
      ttl: "1h",
      display_name: "ci",
      meta: { team: "ops" },
      num_uses: "3",
    });
    expect(res.data).toBeNull();
    expect(auth).toMatchObject({
      policies: ["app", "db", "default"],
      token_policies: ["app", "db", "default"],
      metadata: { team: "ops" },
      lease_duration: 3600,
      renewable: true,
      orphan: false,
      num_uses: 3,
      token_type: "service",
    });
    expect(auth.client_token).toMatch(/^hvs\./);
    const data = (await call("read", "lookup-self", auth.client_token))?.data;
    expect(data).toMatchObject({
      display_name: "token-ci",
      path: "auth/token/create",
      num_uses: 3,
      id: auth.client_token,
    });
  });

  it("gives a root caller's child root when no policies are named", async () => {
    const { auth } = await create(rootToken);
    expect(auth.policies).toEqual(["root"]);
    expect(auth.lease_duration).toBe(0);
  });

  it("enforces the policy subset rule for non-root callers", async () => {
    const { auth: parent } = await create(rootToken, { policies: ["app", "db"] });
    await expect(create(parent.client_token, { policies: ["app", "admin"] })).rejects.toThrow(
      new BadRequest("child policies must be subset of parent"),
    );
    await expect(create(parent.client_token, { policies: ["root"] })).rejects.toThrow("subset");
    const { auth } = await create(parent.client_token, { policies: ["app"] });
    expect(auth.policies).toEqual(["app", "default"]);
    const { auth: inherited } = await create(parent.client_token);
    expect(inherited.policies).toEqual(["app", "db", "default"]);
  });

  it("adds default only where the parent holds it, unless refused", async () => {
    const { auth: bare } = await create(rootToken, { policies: ["app"], no_default_policy: true });
    expect(bare.policies).toEqual(["app"]);
    expect((await create(bare.client_token)).auth.policies).toEqual(["app"]);
    await expect(create(bare.client_token, { policies: ["app", "default"] })).rejects.toThrow("subset");
    const { auth: withDefault } = await create(rootToken, { policies: ["app"] });
    expect((await create(withDefault.client_token, { no_default_policy: true })).auth.policies).toEqual([
      "app",
    ]);
  });

  it("requires root for no_parent and period, but not for create-orphan", async () => {
    const { auth: parent } = await create(rootToken, { policies: ["app"] });
    await expect(create(parent.client_token, { no_parent: true })).rejects.toThrow(
      "root or sudo privileges required to create orphan token",
    );
    await expect(create(parent.client_token, { period: "1h" })).rejects.toThrow("periodic");
    const { auth: orphan } = await create(parent.client_token, {}, "create-orphan");
    expect(orphan.orphan).toBe(true);
    const { auth: rootOrphan } = await create(rootToken, { no_parent: true, policies: ["x"] });
    expect(rootOrphan.orphan).toBe(true);
    const { auth: periodic } = await create(rootToken, { period: "10m", policies: ["x"] });
    expect(periodic.lease_duration).toBe(600);
    expect((await call("read", "lookup-self", periodic.client_token))?.data?.period).toBe(600);
  });

  it("links children to the caller, so revoking the caller revokes them", async () => {
    const { auth: parent } = await create(rootToken, { policies: ["app"] });
    const { auth: kid } = await create(parent.client_token);
    const { auth: orphan } = await create(parent.client_token, {}, "create-orphan");
    await call("update", "revoke-self", parent.client_token);
    expect(await store.lookup(kid.client_token)).toBeUndefined();
    expect(await store.lookup(orphan.client_token)).toBeDefined();
  });

  it("rejects unsupported types and negative uses, and warns about ignored fields", async () => {
    await expect(create(rootToken, { type: "batch" })).rejects.toThrow("unsupported token type");
    await expect(create(rootToken, { num_uses: -1 })).rejects.toThrow("number of uses cannot be negative");
    const { res } = await create(rootToken, { id: "my-token", entity_alias: "x", type: "service" });
    expect(res.warnings).toHaveLength(2);
    expect(res.auth?.client_token).not.toBe("my-token");
  });
});

describe("auth/token lookups", () => {
  it("lookup-self (GET or POST) and lookup return the id; lookup without a token is self", async () => {
    const { auth } = await create(rootToken, { policies: ["app"] });
    for (const op of ["read", "update"] as const) {
      expect((await call(op, "lookup-self", auth.client_token))?.data?.id).toBe(auth.client_token);
    }
    const other = await call("update", "lookup", rootToken, { token: auth.client_token });
    expect(other?.data).toMatchObject({
      id: auth.client_token,
      accessor: auth.accessor,
      policies: ["app", "default"],
    });
    expect((await call("update", "lookup", auth.client_token))?.data?.id).toBe(auth.client_token);
    expect((await call("read", "lookup", auth.client_token))?.data?.id).toBe(auth.client_token);
  });

  it("answers 403 bad token for an unknown token", async () => {
    const err = await call("update", "lookup", rootToken, { token: "hvs.nope" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDenied);
    expect((err as PermissionDenied).message).toBe("bad token");
  });

  it("lookup-accessor never shows the id", async () => {
    const { auth } = await create(rootToken, { policies: ["app"] });
    const data = (await call("update", "lookup-accessor", rootToken, { accessor: auth.accessor }))?.data;
    expect(data).toMatchObject({ id: "", accessor: auth.accessor });
    expect(JSON.stringify(data)).not.toContain(auth.client_token);
    await expect(call("update", "lookup-accessor", rootToken, { accessor: "nope" })).rejects.toThrow(
      "invalid accessor",
    );
    await expect(call("update", "lookup-accessor", rootToken, {})).rejects.toThrow("missing accessor");
  });

  it("LIST accessors returns every accessor", async () => {
    const { auth } = await create(rootToken, { policies: ["app"] });
    const keys = (await call("list", "accessors", rootToken))?.data?.keys;
    expect(keys).toEqual(expect.arrayContaining([auth.accessor]));
    expect(keys).toHaveLength(2);
  });
});

describe("auth/token renewals", () => {
  it("renew-self, renew and renew-accessor extend the TTL", async () => {
    const { auth } = await create(rootToken, { policies: ["app"], ttl: "10m" });
    clock.advance(300);
    const self = await call("update", "renew-self", auth.client_token, { increment: "1h" });
    expect(self?.auth).toMatchObject({ client_token: auth.client_token, lease_duration: 3600 });
    const other = await call("update", "renew", rootToken, { token: auth.client_token, increment: 60 });
    expect(other?.auth?.lease_duration).toBe(60);
    const byAccessor = await call("update", "renew-accessor", rootToken, { accessor: auth.accessor });
    expect(byAccessor?.auth).toMatchObject({
      client_token: "",
      accessor: auth.accessor,
      lease_duration: 600,
    });
  });

  it("reports the errors Vault reports", async () => {
    const { auth } = await create(rootToken, { policies: ["app"], renewable: false });
    await expect(call("update", "renew-self", auth.client_token)).rejects.toThrow("lease is not renewable");
    await expect(call("update", "renew", rootToken, { token: "hvs.nope" })).rejects.toThrow(
      "token not found",
    );
    await expect(call("update", "renew", rootToken, {})).rejects.toThrow("missing token ID");
    await expect(call("update", "renew-accessor", rootToken, { accessor: "nope" })).rejects.toThrow(
      "invalid accessor",
    );
  });

  it("warns when the requested increment is capped", async () => {
    const { auth } = await create(rootToken, { policies: ["app"], ttl: "10m", explicit_max_ttl: "20m" });
    const res = await call("update", "renew-self", auth.client_token, { increment: "1h" });
    expect(res?.auth?.lease_duration).toBe(1200);
    expect(res?.warnings?.[0]).toContain("capped");
  });
});

describe("auth/token revocations", () => {
  it("revoke cascades, answers 204, and tolerates unknown tokens", async () => {
    const { auth: parent } = await create(rootToken, { policies: ["app"] });
    const { auth: kid } = await create(parent.client_token);
    const { auth: grandkid } = await create(kid.client_token);
    expect(await call("update", "revoke", rootToken, { token: parent.client_token })).toBeUndefined();
    for (const t of [parent, kid, grandkid]) expect(await store.lookup(t.client_token)).toBeUndefined();
    expect(await call("update", "revoke", rootToken, { token: "hvs.gone" })).toBeUndefined();
    await expect(call("update", "revoke", rootToken, {})).rejects.toThrow("missing token ID");
  });

  it("revoke-accessor revokes by accessor", async () => {
    const { auth } = await create(rootToken, { policies: ["app"] });
    expect(await call("update", "revoke-accessor", rootToken, { accessor: auth.accessor })).toBeUndefined();
    expect(await store.lookup(auth.client_token)).toBeUndefined();
    await expect(call("update", "revoke-accessor", rootToken, { accessor: auth.accessor })).rejects.toThrow(
      "invalid accessor",
    );
  });

  it("revoke-orphan keeps the children", async () => {
    const { auth: parent } = await create(rootToken, { policies: ["app"] });
    const { auth: kid } = await create(parent.client_token);
    expect(await call("update", "revoke-orphan", rootToken, { token: parent.client_token })).toBeUndefined();
    expect(await store.lookup(parent.client_token)).toBeUndefined();
    const data = (await call("read", "lookup-self", kid.client_token))?.data;
    expect(data?.orphan).toBe(true);
  });

  it("revoke-self ends the caller's own token", async () => {
    const { auth } = await create(rootToken, { policies: ["app"] });
    expect(await call("update", "revoke-self", auth.client_token)).toBeUndefined();
    await expect(call("read", "lookup-self", auth.client_token)).rejects.toBeInstanceOf(PermissionDenied);
  });

  it("serves a limited-use token's own last request, then it is gone", async () => {
    const { auth } = await create(rootToken, { policies: ["app"], num_uses: 1 });
    const entry = (await store.lookup(auth.client_token))!;
    await store.consumeUse(entry);
    expect((await call("read", "lookup-self", rootToken))?.data?.id).toBe(rootToken);
    const route = router.match("lookup-self")!;
    const res = await router.handle(
      {
        id: "r",
        operation: "read",
        path: "lookup-self",
        mountPath: "auth/token/",
        mountType: "token",
        data: {},
        caller: { namespace: "", remoteAddress: "127.0.0.1", token: store.toCallerToken(entry) },
        clientToken: auth.client_token,
        storage: new PrefixedView(new MemoryStorage(), ""),
        headers: {},
      },
      route,
    );
    expect(res?.data?.num_uses).toBe(-1);
    await store.finishUse(entry);
    expect(await store.lookup(auth.client_token, { includeSpent: true })).toBeUndefined();
  });
});
