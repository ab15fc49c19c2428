// The database audit device end to end, in the server's own SQLite file and in PostgreSQL when that
// is the storage: rows an operator can query with SQL, sys/audit/events by path and actor,
// verification of the chain from the table, and no secret in clear anywhere.
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

const PASSWORD = "db-device-password-7c1e";
const PG_URL = process.env.SECRETHUB_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Drives the same traffic through any server and checks what the events API answers. */
async function exercise(s: TestServer): Promise<{ bot: string }> {
  const t = s.rootToken;
  expect((await api(s.url, "PUT", "sys/audit/db", { token: t, body: { type: "database" } })).status).toBe(
    204,
  );
  await api(s.url, "PUT", "sys/policies/acl/app", {
    token: t,
    body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' },
  });
  const created = await api(s.url, "POST", "auth/token/create", {
    token: t,
    body: { policies: ["app"], display_name: "ci-bot" },
  });
  const bot = created.body.auth.client_token as string;
  await api(s.url, "PUT", "secret/data/app/db", { token: t, body: { data: { password: PASSWORD } } });
  await api(s.url, "GET", "secret/data/app/db", { token: bot });
  await api(s.url, "GET", "secret/data/other", { token: bot }); // denied
  await api(s.url, "GET", "sys/mounts", { token: t });
  return { bot };
}

async function checkEvents(s: TestServer, bot: string): Promise<void> {
  const t = s.rootToken;
  const byActor = await api(s.url, "GET", "sys/audit/events?actor=token-ci-bot&order=asc", { token: t });
  expect(byActor.status).toBe(200);
  expect(byActor.body.data.events.map((e: any) => [e.path, e.result])).toEqual([
    ["secret/data/app/db", "success"],
    ["secret/data/other", "error"],
  ]);
  expect(byActor.body.data.events[0]).toMatchObject({
    type: "response",
    operation: "read",
    actor: { display_name: "token-ci-bot", accessor: expect.stringMatching(/^hmac-sha256:/) },
    remote_address: "127.0.0.1",
    metadata: { mount_type: "kv", policies: ["app", "default"], status_code: 200 },
  });
  const accessor = (await api(s.url, "POST", "auth/token/lookup", { token: t, body: { token: bot } })).body
    .data.accessor as string;
  const byAccessor = await api(s.url, "GET", `sys/audit/events?actor=${accessor}`, { token: t });
  expect(byAccessor.body.data.events).toHaveLength(2);

  const byPath = await api(s.url, "GET", "sys/audit/events?path_prefix=secret/data/app/", { token: t });
  expect(byPath.body.data.events.map((e: any) => e.actor.display_name)).toEqual(["token-ci-bot", "root"]);
  const errors = await api(s.url, "GET", "sys/audit/events?result=error", { token: t });
  expect(errors.body.data.events.map((e: any) => e.path)).toEqual(["secret/data/other"]);
  const writes = await api(s.url, "GET", "sys/audit/events?operation=create&path_prefix=secret/", {
    token: t,
  });
  expect(writes.body.data.events).toHaveLength(1);

  const first = await api(s.url, "GET", "sys/audit/events?type=all&limit=3", { token: t });
  expect(first.body.data.events).toHaveLength(3);
  const cursor = first.body.data.next_cursor as string;
  const second = await api(s.url, "GET", `sys/audit/events?type=all&limit=3&cursor=${cursor}`, { token: t });
  expect(second.body.data.events[0].seq).toBe(first.body.data.events[2].seq - 1);
  const future = await api(s.url, "GET", "sys/audit/events?from=2100-01-01T00:00:00Z", { token: t });
  expect(future.body.data).toEqual({ events: [], next_cursor: null });
  expect((await api(s.url, "GET", "sys/audit/events?result=maybe", { token: t })).status).toBe(400);

  const all = await api(s.url, "GET", "sys/audit/events?type=all&limit=1000", { token: t });
  for (const secret of [PASSWORD, s.rootToken, bot, accessor]) expect(all.text).not.toContain(secret);

  const verified = await api(s.url, "GET", "sys/audit/verify/db", { token: t });
  expect(verified.body.data).toMatchObject({ intact: true, first_seq: 1, checkpoint: { status: "matched" } });
}

describe("database audit device on SQLite", () => {
  let s: TestServer;
  let bot = "";
  beforeAll(async () => {
    s = await startServer();
    ({ bot } = await exercise(s));
  });
  afterAll(() => s.close());

  it("answers sys/audit/events by actor, path, result and operation, paginated", async () => {
    await checkEvents(s, bot);
  });

  it("stores queryable rows in the server's SQLite file, with secrets only as HMACs", () => {
    const db = new Database(s.dbPath, { readonly: true });
    const rows = db
      .prepare(
        "SELECT seq, time, namespace, actor_display_name, operation, path, result, remote_address, request_id, entry FROM audit_events WHERE type = 'response' AND path = 'secret/data/app/db' ORDER BY seq",
      )
      .all() as any[];
    const dump = JSON.stringify(db.prepare("SELECT * FROM audit_events").all());
    db.close();
    expect(rows.map((r) => [r.actor_display_name, r.operation, r.result])).toEqual([
      ["root", "create", "success"],
      ["token-ci-bot", "read", "success"],
    ]);
    expect(rows[0]).toMatchObject({
      namespace: "",
      remote_address: "127.0.0.1",
      time: expect.stringMatching(/Z$/),
    });
    expect(JSON.parse(rows[0].entry)).toMatchObject({
      seq: rows[0].seq,
      request: { id: rows[0].request_id },
    });
    for (const secret of [PASSWORD, s.rootToken, bot]) expect(dump).not.toContain(secret);
  });

  it("detects rows edited by hand", async () => {
    const db = new Database(s.dbPath);
    const target = db
      .prepare("SELECT min(seq) AS seq FROM audit_events WHERE actor_display_name = 'token-ci-bot'")
      .get() as { seq: number };
    const forged = db.prepare("UPDATE audit_events SET entry = replace(entry, ?, ?) WHERE seq = ?");
    forged.run('"remote_address":"127.0.0.1"', '"remote_address":"10.1.1.1"', target.seq);
    db.close();
    const broken = await api(s.url, "GET", "sys/audit/verify/db", { token: s.rootToken });
    expect(broken.body.data).toMatchObject({ intact: false, problem: "modified", seq: target.seq });
  });
});

describe("database audit device on PostgreSQL", () => {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  let s: TestServer;
  let bot = "";
  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(PG_URL);
    url.searchParams.set("options", `-c search_path=${schema}`);
    s = await startServer({
      configure: (c) => ({
        ...c,
        storage: { type: "postgresql", connectionUrl: url.toString(), table: "kv", poolSize: 4 },
      }),
    });
    ({ bot } = await exercise(s));
  });
  afterAll(async () => {
    await s.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it("writes to a table beside the key/value table and answers the same queries", async () => {
    await checkEvents(s, bot);
    const r = await admin.query(
      `SELECT actor_display_name, path, result FROM ${schema}.kv_audit WHERE type = 'response' AND actor_display_name = 'token-ci-bot' ORDER BY seq`,
    );
    expect(r.rows).toEqual([
      { actor_display_name: "token-ci-bot", path: "secret/data/app/db", result: "success" },
      { actor_display_name: "token-ci-bot", path: "secret/data/other", result: "error" },
    ]);
    const dump = JSON.stringify((await admin.query(`SELECT * FROM ${schema}.kv_audit`)).rows);
    for (const secret of [PASSWORD, s.rootToken, bot]) expect(dump).not.toContain(secret);
  });
});
