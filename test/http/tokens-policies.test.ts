// Tokens and ACL policies end to end: deny by default, globs, sudo, child revocation, expiry.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("tokens and policies over HTTP", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  const policy = `
path "secret/data/app/*" { capabilities = ["create", "read", "update"] }
path "secret/metadata/app/*" { capabilities = ["list"] }
path "secret/data/app/locked" { capabilities = ["deny"] }
`;

  it("a policy grants exactly what it says and nothing else", async () => {
    const t = s.rootToken;
    expect((await api(s.url, "PUT", "sys/policies/acl/app", { token: t, body: { policy } })).status).toBe(
      204,
    );
    const read = await api(s.url, "GET", "sys/policies/acl/app", { token: t });
    expect(read.body.data).toEqual({ name: "app", policy });
    const list = await api(s.url, "GET", "sys/policies/acl?list=true", { token: t });
    expect(list.body.data.keys).toEqual(expect.arrayContaining(["app", "default", "root"]));

    const created = await api(s.url, "POST", "auth/token/create", {
      token: t,
      body: { policies: ["app"], ttl: "1h" },
    });
    expect(created.status).toBe(200);
    const child = created.body.auth.client_token as string;
    expect(child).toMatch(/^hvs\./);
    expect(created.body.auth.policies).toEqual(["app", "default"]);

    expect(
      (await api(s.url, "PUT", "secret/data/app/one", { token: child, body: { data: { a: 1 } } })).status,
    ).toBe(200);
    expect((await api(s.url, "GET", "secret/data/app/one", { token: child })).status).toBe(200);
    expect((await api(s.url, "GET", "secret/data/other", { token: child })).status).toBe(403);
    expect(
      (await api(s.url, "PUT", "secret/data/app/locked", { token: child, body: { data: { a: 1 } } })).status,
    ).toBe(403);
    expect((await api(s.url, "GET", "sys/mounts", { token: child })).status).toBe(403);
    expect((await api(s.url, "PUT", "sys/seal", { token: child })).status).toBe(403);

    const caps = await api(s.url, "POST", "sys/capabilities-self", {
      token: child,
      body: { paths: ["secret/data/app/x"] },
    });
    expect(caps.body.capabilities).toEqual(expect.arrayContaining(["create", "read", "update"]));

    const self = await api(s.url, "GET", "auth/token/lookup-self", { token: child });
    expect(self.body.data).toMatchObject({ policies: ["app", "default"], renewable: true });
    expect(self.body.data.ttl).toBeGreaterThan(3500);

    // A policy change applies to existing tokens at once.
    await api(s.url, "PUT", "sys/policies/acl/app", {
      token: t,
      body: { policy: 'path "x/*" { capabilities = ["read"] }' },
    });
    expect((await api(s.url, "GET", "secret/data/app/one", { token: child })).status).toBe(403);
  });

  it("revoking a parent revokes its children; orphans survive", async () => {
    const t = s.rootToken;
    const maker = 'path "auth/token/create" { capabilities = ["create", "update"] }';
    await api(s.url, "PUT", "sys/policies/acl/maker", { token: t, body: { policy: maker } });
    const parent = (
      await api(s.url, "POST", "auth/token/create", { token: t, body: { policies: ["maker"] } })
    ).body.auth;
    const child = (await api(s.url, "POST", "auth/token/create", { token: parent.client_token, body: {} }))
      .body.auth;
    const orphan = (await api(s.url, "POST", "auth/token/create-orphan", { token: t, body: {} })).body.auth;
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token: child.client_token })).status).toBe(
      200,
    );
    expect(
      (await api(s.url, "POST", "auth/token/revoke", { token: t, body: { token: parent.client_token } }))
        .status,
    ).toBe(204);
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token: parent.client_token })).status).toBe(
      403,
    );
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token: child.client_token })).status).toBe(
      403,
    );
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token: orphan.client_token })).status).toBe(
      200,
    );
    const byAccessor = await api(s.url, "POST", "auth/token/lookup-accessor", {
      token: t,
      body: { accessor: orphan.accessor },
    });
    expect(byAccessor.body.data.accessor).toBe(orphan.accessor);
    expect(byAccessor.body.data.id).toBeFalsy();
  });

  it("num_uses limits a token to that many requests", async () => {
    const tok = (await api(s.url, "POST", "auth/token/create", { token: s.rootToken, body: { num_uses: 2 } }))
      .body.auth.client_token;
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token: tok })).status).toBe(200);
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token: tok })).status).toBe(200);
    expect((await api(s.url, "GET", "auth/token/lookup-self", { token: tok })).status).toBe(403);
  });

  it("root and default policies are protected", async () => {
    expect((await api(s.url, "DELETE", "sys/policies/acl/default", { token: s.rootToken })).status).toBe(400);
    expect(
      (
        await api(s.url, "PUT", "sys/policies/acl/root", {
          token: s.rootToken,
          body: { policy: 'path "*" {capabilities=["read"]}' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await api(s.url, "PUT", "sys/policies/acl/bad", {
          token: s.rootToken,
          body: { policy: 'path "x" { capabilities = ["fly"] }' },
        })
      ).status,
    ).toBe(400);
  });

  it("token ids are never stored in plaintext", async () => {
    const { readFileSync } = await import("node:fs");
    const tok = (await api(s.url, "POST", "auth/token/create", { token: s.rootToken, body: {} })).body.auth
      .client_token as string;
    for (const f of [s.dbPath, `${s.dbPath}-wal`]) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(f);
      } catch {
        continue;
      }
      expect(bytes.includes(Buffer.from(tok))).toBe(false);
      expect(bytes.includes(Buffer.from(s.rootToken))).toBe(false);
    }
  });
});
