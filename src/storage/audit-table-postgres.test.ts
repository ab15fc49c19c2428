import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresAuditTable } from "./audit-table-postgres.js";
import { runAuditTableContract, row } from "./audit-table.contract.js";
import { StorageUnavailable } from "./storage.js";

const url = process.env.SECRETHUB_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `t_${randomBytes(6).toString("hex")}`;
const admin = new pg.Client({ connectionString: url });
let n = 0;

beforeAll(async () => {
  await admin.connect();
});

afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

runAuditTableContract(
  "postgresql",
  () => new PostgresAuditTable({ connectionString: url, schema, table: `audit_${++n}` }),
);

describe("PostgresAuditTable", () => {
  it("creates its schema and a queryable table with a timestamptz time column", async () => {
    const table = new PostgresAuditTable({ connectionString: url, schema, table: "audit_cols" });
    await table.append([row(1)]);
    const r = await admin.query(`SELECT time, actor_display_name, seq FROM ${schema}.audit_cols`);
    expect(r.rows).toEqual([
      { time: new Date("2026-01-01T00:00:01.000Z"), actor_display_name: "token-alice", seq: "1" },
    ]);
    await table.close();
    await table.close();
  });

  it("rejects invalid identifiers and reports an unreachable database as StorageUnavailable", async () => {
    expect(() => new PostgresAuditTable({ connectionString: url, table: "bad name" })).toThrow(RangeError);
    const table = new PostgresAuditTable({ connectionString: "postgres://postgres@127.0.0.1:1/none" });
    await expect(table.head("db/")).rejects.toBeInstanceOf(StorageUnavailable);
    await table.close();
  });
});
