import { beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.js";
import { BadRequest, PermissionDenied } from "../core/errors.js";
import type { AuthGrant } from "../core/request.js";
import { PrefixedView } from "../core/view.js";
import { sha256Hex } from "../crypto/hmac.js";
import { MemoryStorage } from "../storage/memory.js";
import { TokenStore } from "./store.js";

const decoder = new TextDecoder();

/** Every key and value the physical storage holds, found through its public list/get. */
async function dump(mem: MemoryStorage, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await mem.list(prefix)) {
    if (key.endsWith("/")) {
      for (const [k, v] of await dump(mem, prefix + key)) out.set(k, v);
    } else {
      const bytes = await mem.get(prefix + key);
      out.set(prefix + key, bytes ? decoder.decode(bytes) : "");
    }
  }
  return out;
}

function grant(overrides: Partial<AuthGrant> = {}): AuthGrant {
  return {
    policies: ["app"],
    displayName: "alice",
    metadata: { username: "alice" },
    ttlSeconds: 0,
    renewable: true,
    aliasName: "alice",
    ...overrides,
  };
}

let mem: MemoryStorage;
let clock: ManualClock;
let store: TokenStore;

beforeEach(() => {
  mem = new MemoryStorage();
  clock = new ManualClock();
  store = new TokenStore({ storage: new PrefixedView(mem, ""), clock });
});

async function root() {
  return store.create({ policies: ["root"], displayName: "root", path: "auth/token/root" });
}

async function child(parentHash: string, extra: { ttl?: number; policies?: string[] } = {}) {
  return store.create({
    policies: extra.policies ?? ["app"],
    displayName: "token",
    path: "auth/token/create",
    parentHash,
    ...(extra.ttl === undefined ? {} : { ttl: extra.ttl }),
  });
}

describe("TokenStore: ids and storage", () => {
  it("never stores a token id in plaintext, only its sha256", async () => {
    const r = await root();
    const c = await child(r.entry.idHash);
    const login = await store.createFromGrant(grant(), "auth/userpass/");
    const tokens = [r.token, c.token, login.client_token];
    for (const t of tokens) expect(t).toMatch(/^hvs\.[0-9A-Za-z]{24}$/);

    const contents = await dump(mem);
    expect(contents.size).toBeGreaterThan(0);
    for (const [key, value] of contents) {
      for (const t of tokens) {
        const secretPart = t.slice(4);
        expect(key).not.toContain(secretPart);
        expect(value).not.toContain(secretPart);
      }
    }
    for (const t of tokens) expect(contents.has(`id/${sha256Hex(t)}`)).toBe(true);
    expect(contents.has(`accessor/${c.entry.accessor}`)).toBe(true);
    expect(contents.has(`parent/${r.entry.idHash}/${c.entry.idHash}`)).toBe(true);
  });

  it("finds a token by the hash of what is presented, and nothing else", async () => {
    const r = await root();
    expect((await store.lookup(r.token))?.accessor).toBe(r.entry.accessor);
    expect(await store.lookup(`${r.token}x`)).toBeUndefined();
    expect(await store.lookup("")).toBeUndefined();
    expect(await store.lookup(r.entry.idHash)).toBeUndefined();
  });

  it("ignores an entry filed under another token's key", async () => {
    const r = await root();
    const view = new PrefixedView(mem, "");
    await view.write(`id/${sha256Hex("planted")}`, r.entry);
    expect(await store.lookup("planted")).toBeUndefined();
  });
});

describe("TokenStore: policies and names", () => {
  it("sorts, dedupes and lower-cases policies and adds default", async () => {
    const r = await root();
    const c = await child(r.entry.idHash, { policies: ["b", "A", "a", " b "] });
    expect(c.entry.policies).toEqual(["a", "b", "default"]);
  });

  it("adds no default policy to root tokens or when refused", async () => {
    expect((await root()).entry.policies).toEqual(["root"]);
    const c = await store.create({ policies: ["x"], noDefaultPolicy: true, displayName: "t", path: "p" });
    expect(c.entry.policies).toEqual(["x"]);
  });

  it("mints login tokens as orphans named after the mount", async () => {
    const auth = await store.createFromGrant(grant(), "auth/userpass/", "auth/userpass/login/alice");
    expect(auth).toMatchObject({
      policies: ["app", "default"],
      token_policies: ["app", "default"],
      metadata: { username: "alice" },
      lease_duration: 32 * 86400,
      renewable: true,
      orphan: true,
      token_type: "service",
      num_uses: 0,
      identity_policies: null,
      mfa_requirement: null,
    });
    const entry = await store.lookup(auth.client_token);
    expect(entry).toMatchObject({
      displayName: "userpass-alice",
      path: "auth/userpass/login/alice",
      orphan: true,
    });
    const again = await store.createFromGrant(grant(), "auth/userpass/");
    expect(again.entity_id).toBe(auth.entity_id);
    expect(auth.entity_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await store.lookup(again.client_token))?.path).toBe("auth/userpass/login");
  });

  it("caps a login TTL by the method's max and refuses root grants", async () => {
    const auth = await store.createFromGrant(
      grant({ ttlSeconds: 7200, maxTtlSeconds: 3600 }),
      "auth/approle/",
    );
    expect(auth.lease_duration).toBe(3600);
    await expect(store.createFromGrant(grant({ policies: ["Root"] }), "auth/approle/")).rejects.toThrow(
      "auth methods cannot create root tokens",
    );
  });
});

describe("TokenStore: lookup data", () => {
  it("answers Vault's fields; root tokens never expire", async () => {
    const r = await root();
    clock.advance(100 * 86400);
    const entry = await store.lookup(r.token);
    expect(entry).toBeDefined();
    const data = store.lookupData(entry!, r.token);
    expect(Object.keys(data).sort()).toEqual(
      [
        "accessor",
        "creation_time",
        "creation_ttl",
        "display_name",
        "entity_id",
        "expire_time",
        "explicit_max_ttl",
        "id",
        "issue_time",
        "meta",
        "num_uses",
        "orphan",
        "path",
        "policies",
        "renewable",
        "ttl",
        "type",
      ].sort(),
    );
    expect(data).toMatchObject({
      id: r.token,
      ttl: 0,
      expire_time: null,
      creation_ttl: 0,
      meta: null,
      display_name: "root",
      path: "auth/token/root",
      policies: ["root"],
      orphan: true,
      type: "service",
      creation_time: Math.floor(Date.UTC(2026, 0, 1) / 1000),
      issue_time: "2026-01-01T00:00:00.000Z",
    });
    expect(store.lookupData(entry!).id).toBe("");
  });

  it("shows remaining ttl, expiry, period and renewal times", async () => {
    const p = await store.create({ policies: ["a"], displayName: "t", path: "p", period: 600 });
    clock.advance(100);
    let data = store.lookupData(p.entry);
    expect(data).toMatchObject({
      ttl: 500,
      creation_ttl: 600,
      period: 600,
      expire_time: "2026-01-01T00:10:00.000Z",
    });
    const renewed = await store.renew(p.entry);
    data = store.lookupData(renewed.entry);
    expect(data).toMatchObject({ ttl: 600, last_renewal_time: Math.floor(clock.now() / 1000) });
    expect(data.last_renewal).toBe(new Date(clock.now()).toISOString());
  });

  it("turns an entry into a CallerToken without the id", async () => {
    const c = await store.createFromGrant(grant(), "auth/userpass/");
    const entry = (await store.lookup(c.client_token))!;
    const caller = store.toCallerToken(entry);
    expect(caller).toEqual({
      accessor: c.accessor,
      policies: ["app", "default"],
      displayName: "userpass-alice",
      entityId: c.entity_id,
      metadata: { username: "alice" },
      idHash: sha256Hex(c.client_token),
      orphan: true,
      boundCidrs: [],
    });
    expect(JSON.stringify(caller)).not.toContain(c.client_token);
  });
});

describe("TokenStore: revocation", () => {
  it("revokes the whole subtree down to grandchildren and tells listeners", async () => {
    const r = await root();
    const parent = await child(r.entry.idHash);
    const kid = await child(parent.entry.idHash);
    const grandkid = await child(kid.entry.idHash);
    const sibling = await child(r.entry.idHash);
    const revoked: string[] = [];
    store.onRevoke((h) => {
      revoked.push(h);
    });

    expect(await store.revoke(parent.entry)).toBe(3);
    for (const t of [parent, kid, grandkid]) {
      expect(await store.lookup(t.token)).toBeUndefined();
      expect(await store.lookupAccessor(t.entry.accessor)).toBeUndefined();
    }
    expect(await store.lookup(sibling.token)).toBeDefined();
    expect(revoked.sort()).toEqual([parent, kid, grandkid].map((t) => t.entry.idHash).sort());

    const keys = [...(await dump(mem)).keys()];
    for (const t of [parent, kid, grandkid]) expect(keys.some((k) => k.includes(t.entry.idHash))).toBe(false);
    expect(await store.revoke(parent.entry)).toBe(0);
  });

  it("revoke-orphan keeps the children, now orphans", async () => {
    const r = await root();
    const parent = await child(r.entry.idHash);
    const kid = await child(parent.entry.idHash);
    const grandkid = await child(kid.entry.idHash);
    await store.revokeOrphan(parent.entry);
    expect(await store.lookup(parent.token)).toBeUndefined();
    const k = await store.lookup(kid.token);
    expect(k).toMatchObject({ orphan: true, parentHash: "" });
    expect(store.lookupData(k!).orphan).toBe(true);
    expect((await store.lookup(grandkid.token))?.parentHash).toBe(kid.entry.idHash);
    await store.revoke(k!);
    expect(await store.lookup(grandkid.token)).toBeUndefined();
  });

  it("refuses a child whose parent is gone, and kills children whose parent vanished", async () => {
    const r = await root();
    const kid = await child(r.entry.idHash);
    await new PrefixedView(mem, "").delete(`id/${r.entry.idHash}`);
    expect(await store.lookup(kid.token)).toBeUndefined();
    await expect(child(r.entry.idHash)).rejects.toBeInstanceOf(PermissionDenied);
  });

  it("reports listener failures after the token is gone", async () => {
    const r = await root();
    store.onRevoke(() => {
      throw new Error("cubbyhole down");
    });
    const off = store.onRevoke(() => undefined);
    off();
    await expect(store.revoke(r.entry)).rejects.toThrow("revocation cleanup failed");
    expect(await store.lookup(r.token)).toBeUndefined();
  });

  it("lists and resolves accessors, rejecting malformed ones", async () => {
    const r = await root();
    const c = await child(r.entry.idHash);
    expect((await store.listAccessors()).sort()).toEqual([r.entry.accessor, c.entry.accessor].sort());
    expect((await store.lookupAccessor(c.entry.accessor))?.idHash).toBe(c.entry.idHash);
    for (const bad of ["", "..", "../id", "a/b", c.token])
      expect(await store.lookupAccessor(bad)).toBeUndefined();
    await store.revoke((await store.lookupAccessor(c.entry.accessor))!);
    expect(await store.listAccessors()).toEqual([r.entry.accessor]);
  });
});

describe("TokenStore: expiry", () => {
  it("expires a token when its ttl elapses, revoking it lazily", async () => {
    const r = await root();
    const c = await child(r.entry.idHash, { ttl: 60 });
    const revoked: string[] = [];
    store.onRevoke((h) => {
      revoked.push(h);
    });
    clock.advance(59);
    expect(await store.lookup(c.token)).toBeDefined();
    clock.advance(1);
    expect(await store.lookup(c.token)).toBeUndefined();
    expect(revoked).toEqual([c.entry.idHash]);
    expect((await dump(mem)).has(`id/${c.entry.idHash}`)).toBe(false);
  });

  it("kills children when their parent expires, even unobserved", async () => {
    const r = await root();
    const parent = await child(r.entry.idHash, { ttl: 60 });
    const kid = await child(parent.entry.idHash, { ttl: 3600 });
    clock.advance(61);
    expect(await store.lookup(kid.token)).toBeUndefined();
  });

  it("uses the system default TTL for non-root tokens", async () => {
    const short = new TokenStore({ storage: new PrefixedView(mem, "s/"), clock, defaultTtlSeconds: 30 });
    const t = await short.create({ policies: ["a"], displayName: "t", path: "p" });
    expect(t.entry.ttl).toBe(30);
    clock.advance(30);
    expect(await short.lookup(t.token)).toBeUndefined();
  });

  it("tidy sweeps expired tokens and dangling index rows", async () => {
    const r = await root();
    const a = await child(r.entry.idHash, { ttl: 10 });
    await child(a.entry.idHash, { ttl: 1000 });
    const keep = await child(r.entry.idHash, { ttl: 1000 });
    const view = new PrefixedView(mem, "");
    await view.write("accessor/dangling", { idHash: sha256Hex("nothing") });
    await view.write(`parent/${sha256Hex("gone")}/${sha256Hex("orphaned")}`, true);
    clock.advance(11);
    expect(await store.tidy()).toBe(2);
    expect(await store.lookup(keep.token)).toBeDefined();
    const keys = [...(await dump(mem)).keys()];
    expect(keys).not.toContain("accessor/dangling");
    expect(keys.some((k) => k.startsWith(`parent/${sha256Hex("gone")}`))).toBe(false);
    expect(keys.filter((k) => k.startsWith("id/"))).toHaveLength(2);
  });
});

describe("TokenStore: renewal", () => {
  it("extends from now, capped by the system max counted from creation", async () => {
    const capped = new TokenStore({ storage: new PrefixedView(mem, "c/"), clock, maxTtlSeconds: 7200 });
    const t = await capped.create({ policies: ["a"], displayName: "t", path: "p", ttl: 3600 });
    clock.advance(3000);
    let r = await capped.renew(t.entry, 3600);
    expect(r.entry.ttl).toBe(3600);
    expect(r.warnings).toEqual([]);
    clock.advance(3000);
    r = await capped.renew(r.entry, 3600);
    expect(r.entry.ttl).toBe(1200);
    expect(r.warnings[0]).toContain("capped");
    clock.advance(1199);
    expect(await capped.lookup(t.token)).toBeDefined();
    clock.advance(1);
    expect(await capped.lookup(t.token)).toBeUndefined();
  });

  it("renews for the original TTL without an increment, and respects explicit_max_ttl", async () => {
    const t = await store.create({
      policies: ["a"],
      displayName: "t",
      path: "p",
      ttl: 100,
      explicitMaxTtl: 150,
    });
    clock.advance(10);
    expect((await store.renew(t.entry)).entry.ttl).toBe(100);
    clock.advance(80);
    expect((await store.renew(t.entry, 100)).entry.ttl).toBe(60);
    clock.advance(60);
    expect(await store.lookup(t.token)).toBeUndefined();
    await expect(store.renew(t.entry)).rejects.toThrow("token not found");
  });

  it("refuses non-renewable tokens", async () => {
    const t = await store.create({ policies: ["a"], displayName: "t", path: "p", renewable: false });
    await expect(store.renew(t.entry)).rejects.toThrow(new BadRequest("lease is not renewable"));
    expect(store.authBlock(t.token, t.entry).renewable).toBe(false);
  });

  it("leaves a never-expiring root token as it is", async () => {
    const r = await root();
    const renewed = await store.renew(r.entry, 3600);
    expect(renewed.entry).toEqual(r.entry);
    expect(store.authBlock(r.token, renewed.entry)).toMatchObject({ lease_duration: 0, renewable: false });
  });

  it("keeps periodic tokens alive past the system max, resetting to the period", async () => {
    const capped = new TokenStore({ storage: new PrefixedView(mem, "c/"), clock, maxTtlSeconds: 1000 });
    const t = await capped.create({ policies: ["a"], displayName: "t", path: "p", period: 600, ttl: 5 });
    expect(t.entry.ttl).toBe(600);
    let entry = t.entry;
    for (let i = 0; i < 5; i++) {
      clock.advance(500);
      entry = (await capped.renew(entry, 99999)).entry;
      expect(entry.ttl).toBe(600);
    }
    expect(await capped.lookup(t.token)).toBeDefined();
    clock.advance(600);
    expect(await capped.lookup(t.token)).toBeUndefined();
  });

  it("caps a periodic token by explicit_max_ttl", async () => {
    const t = await store.create({
      policies: ["a"],
      displayName: "t",
      path: "p",
      period: 600,
      explicitMaxTtl: 900,
    });
    clock.advance(500);
    expect((await store.renew(t.entry)).entry.ttl).toBe(400);
    clock.advance(400);
    expect(await store.lookup(t.token)).toBeUndefined();
  });
});

describe("TokenStore: use counts", () => {
  it("num_uses=2 allows exactly two requests", async () => {
    const t = await store.create({ policies: ["a"], displayName: "t", path: "p", numUses: 2 });
    const revoked: string[] = [];
    store.onRevoke((h) => {
      revoked.push(h);
    });

    const first = (await store.lookup(t.token))!;
    await store.consumeUse(first);
    await store.finishUse(first);
    const second = (await store.lookup(t.token))!;
    expect(second.numUses).toBe(1);
    await store.consumeUse(second);
    // During its last request the token is refused to everyone but its own *-self calls.
    expect(await store.lookup(t.token)).toBeUndefined();
    expect((await store.lookup(t.token, { includeSpent: true }))?.numUses).toBe(-1);
    await store.finishUse(second);
    expect(revoked).toEqual([t.entry.idHash]);
    expect(await store.lookup(t.token, { includeSpent: true })).toBeUndefined();
  });

  it("lets only one of two concurrent requests take the last use", async () => {
    const t = await store.create({ policies: ["a"], displayName: "t", path: "p", numUses: 1 });
    const a = (await store.lookup(t.token))!;
    const b = (await store.lookup(t.token))!;
    const results = await Promise.allSettled([store.consumeUse(a), store.consumeUse(b)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected");
    expect(rejected?.status === "rejected" && rejected.reason instanceof PermissionDenied).toBe(true);
  });

  it("does not count uses of unlimited tokens", async () => {
    const r = await root();
    await store.consumeUse(r.entry);
    await store.finishUse(r.entry);
    expect(await store.lookup(r.token)).toEqual(r.entry);
  });

  it("rejects a negative use count", async () => {
    await expect(store.create({ policies: [], displayName: "t", path: "p", numUses: -1 })).rejects.toThrow(
      "number of uses cannot be negative",
    );
  });
});
