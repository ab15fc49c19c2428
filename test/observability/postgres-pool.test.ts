// secrethub_db_pool_utilization on the real PostgreSQL (issue #5): a server with a pool of two, whose
// table an admin session locks so two requests sit on checked-out connections. The gauge reads 100
// (percent, as the runbook's `> 90` alert expects), the scrape still answers while storage hangs,
// /ready calls storage unavailable, and everything returns to normal once the lock goes.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";
import { valueOf } from "./exposition.js";

const url = process.env.SECRETHUB_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const table = `obs_${randomBytes(6).toString("hex")}`;

async function metrics(s: TestServer): Promise<string> {
  return (await fetch(`${s.url}/metrics`)).text();
}

describe("database pool utilization on PostgreSQL", () => {
  const admin = new pg.Client({ connectionString: url });
  let s: TestServer;
  beforeAll(async () => {
    await admin.connect();
    s = await startServer({
      env: { PROMETHEUS_ENABLED: "true" },
      configure: (c) => ({ ...c, storage: { type: "postgresql", connectionUrl: url, table, poolSize: 2 } }),
    });
  });
  afterAll(async () => {
    await s?.close();
    await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_audit`);
    await admin.end();
  });

  it("reports checked-out connections in percent of the pool", async () => {
    expect(valueOf(await metrics(s), "secrethub_db_pool_utilization")).toBe(0);
    const tokensBefore = valueOf(await metrics(s), "secrethub_tokens_active");
    expect(tokensBefore).toBeGreaterThanOrEqual(1);

    await admin.query("BEGIN");
    await admin.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const blocked = Promise.all([
      api(s.url, "GET", "secret/data/a", { token: s.rootToken }),
      api(s.url, "GET", "secret/data/b", { token: s.rootToken }),
    ]);
    await expect.poll(async () => valueOf(await metrics(s), "secrethub_db_pool_utilization")).toBe(100);
    // Sources that need storage time out: the scrape answers with their last values.
    const during = await metrics(s);
    expect(valueOf(during, "secrethub_tokens_active")).toBe(tokensBefore);
    expect(valueOf(during, "secrethub_sealed")).toBe(0);
    const ready = await fetch(`${s.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "not_ready", reason: "storage_unavailable" });
    expect((await fetch(`${s.url}/health`)).status).toBe(200);

    await admin.query("COMMIT");
    const [a, b] = await blocked;
    expect([a.status, b.status]).toEqual([404, 404]);
    // Queries of the timed-out scrapes and probes drain from the pool too, then it is idle again.
    await expect.poll(async () => valueOf(await metrics(s), "secrethub_db_pool_utilization")).toBe(0);
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
  });
});
