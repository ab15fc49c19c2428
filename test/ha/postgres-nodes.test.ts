/**
 * Several server nodes on one PostgreSQL table (the HA deployment): each node caches decrypted values,
 * compiled policies and its mount table, so a write on one node must reach the others' caches. These
 * tests run two real servers in one process against the real PostgreSQL and check that what one node
 * changes — a secret, a revoked token, a policy, a mount, the barrier key — the other sees at once.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

const url = process.env.SECRETHUB_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const table = `ha_${randomBytes(6).toString("hex")}`;

describe("two nodes on one PostgreSQL", () => {
  let a: TestServer;
  let b: TestServer;
  const onPg = (c: Parameters<NonNullable<Parameters<typeof startServer>[0]>["configure"] & object>[0]) => ({
    ...c,
    storage: { type: "postgresql" as const, connectionUrl: url, table, poolSize: 4 },
  });

  beforeAll(async () => {
    a = await startServer({ configure: onPg });
    // Node b joins the initialized cluster and is unsealed with the same key.
    b = await startServer({ uninitialized: true, configure: onPg });
    for (const key of a.unsealKeys) await api(b.url, "PUT", "sys/unseal", { body: { key } });
    expect((await api(b.url, "GET", "sys/seal-status")).body.sealed).toBe(false);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_audit`);
    await admin.end();
  });

  const read = async (s: TestServer, token: string, path: string) => api(s.url, "GET", path, { token });

  it("a secret written on one node is read fresh on the other, even when the other had it cached", async () => {
    const root = a.rootToken;
    await api(a.url, "PUT", "secret/data/shared", { token: root, body: { data: { v: "one" } } });
    expect((await read(b, root, "secret/data/shared")).body.data.data.v).toBe("one"); // b caches it now
    await api(a.url, "PUT", "secret/data/shared", { token: root, body: { data: { v: "two" } } });
    await expect.poll(async () => (await read(b, root, "secret/data/shared")).body.data.data.v).toBe("two");
    await api(a.url, "DELETE", "secret/metadata/shared", { token: root });
    await expect.poll(async () => (await read(b, root, "secret/data/shared")).status).toBe(404);
  });

  it("a token revoked on one node stops working on the other", async () => {
    const t = (
      await api(a.url, "PUT", "auth/token/create", { token: a.rootToken, body: { policies: ["default"] } })
    ).body.auth.client_token as string;
    expect((await read(b, t, "auth/token/lookup-self")).status).toBe(200); // cached on b
    expect((await api(a.url, "PUT", "auth/token/revoke-self", { token: t })).status).toBe(204);
    await expect.poll(async () => (await read(b, t, "auth/token/lookup-self")).status).toBe(403);
  });

  it("a policy changed on one node applies on the other", async () => {
    const policy = (text: string) =>
      api(a.url, "PUT", "sys/policies/acl/ha-reader", { token: a.rootToken, body: { policy: text } });
    await policy('path "secret/data/ha/*" { capabilities = ["read"] }');
    await api(a.url, "PUT", "secret/data/ha/x", { token: a.rootToken, body: { data: { v: 1 } } });
    const t = (
      await api(a.url, "PUT", "auth/token/create", { token: a.rootToken, body: { policies: ["ha-reader"] } })
    ).body.auth.client_token as string;
    expect((await read(b, t, "secret/data/ha/x")).status).toBe(200); // b compiled and cached the ACL
    await policy('path "secret/data/ha/*" { capabilities = ["deny"] }');
    await expect.poll(async () => (await read(b, t, "secret/data/ha/x")).status).toBe(403);
  });

  it("a mount enabled or disabled on one node is served or gone on the other", async () => {
    const root = a.rootToken;
    expect(
      (await api(a.url, "POST", "sys/mounts/team-kv", { token: root, body: { type: "kv-v2" } })).status,
    ).toBe(204);
    await expect
      .poll(
        async () =>
          (await api(b.url, "PUT", "team-kv/data/x", { token: root, body: { data: { v: 1 } } })).status,
      )
      .toBe(200);
    expect((await read(a, root, "team-kv/data/x")).body.data.data.v).toBe(1);
    expect((await api(a.url, "DELETE", "sys/mounts/team-kv", { token: root })).status).toBe(204);
    await expect.poll(async () => (await read(b, root, "team-kv/data/x")).status).toBe(404);
  });

  it("after a barrier key rotation on one node, the other reads what it writes", async () => {
    const root = a.rootToken;
    const term = (await read(a, root, "sys/key-status")).body.data.term as number;
    expect((await api(a.url, "PUT", "sys/rotate", { token: root })).status).toBe(204);
    await api(a.url, "PUT", "secret/data/after-rotate", { token: root, body: { data: { v: "new-term" } } });
    await expect
      .poll(async () => (await read(b, root, "secret/data/after-rotate")).body?.data?.data?.v)
      .toBe("new-term");
    expect((await read(b, root, "sys/key-status")).body.data.term).toBe(term + 1);
  });

  it("check-and-set holds across nodes: of two racing creates with cas=0, exactly one wins", async () => {
    const root = a.rootToken;
    for (let round = 0; round < 8; round++) {
      const path = `secret/data/race-${round}`;
      const [ra, rb] = await Promise.all([
        api(a.url, "PUT", path, { token: root, body: { options: { cas: 0 }, data: { by: "a" } } }),
        api(b.url, "PUT", path, { token: root, body: { options: { cas: 0 }, data: { by: "b" } } }),
      ]);
      expect([ra.status, rb.status].sort()).toEqual([200, 400]);
      const winner = ra.status === 200 ? "a" : "b";
      const read = await api(b.url, "GET", path, { token: root });
      expect(read.body.data.data.by).toBe(winner);
      expect(read.body.data.metadata.version).toBe(1);
    }
  });

  it("a single-use token is spent once, whichever nodes it is presented to at the same time", async () => {
    for (let round = 0; round < 5; round++) {
      const t = (
        await api(a.url, "PUT", "auth/token/create", {
          token: a.rootToken,
          body: { policies: ["default"], num_uses: 1 },
        })
      ).body.auth.client_token as string;
      const results = await Promise.all([
        read(a, t, "auth/token/lookup-self"),
        read(b, t, "auth/token/lookup-self"),
        read(b, t, "auth/token/lookup-self"),
      ]);
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    }
  });
});
