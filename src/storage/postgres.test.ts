import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresStorage } from "./postgres.js";
import { StorageUnavailable } from "./storage.js";
import { runStorageContract } from "./storage.contract.js";

const url = process.env.SECRETHUB_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `t_${randomBytes(6).toString("hex")}`;
const admin = new pg.Client({ connectionString: url });
let n = 0;
const fresh = () => PostgresStorage.open({ connectionString: url, schema, table: `kv_${++n}`, poolSize: 3 });

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
});

afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

runStorageContract("postgresql", fresh);

describe("PostgresStorage", () => {
  it("creates the table with a C-collated key and a bytea value", async () => {
    const s = await fresh();
    const cols = await admin.query(
      `SELECT column_name, data_type, collation_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = $2 ORDER BY column_name`,
      [schema, `kv_${n}`],
    );
    expect(cols.rows).toEqual([
      { column_name: "key", data_type: "text", collation_name: "C" },
      { column_name: "value", data_type: "bytea", collation_name: null },
    ]);
    await s.close();
  });

  it("shares data between two instances on the same table (HA nodes)", async () => {
    const a = await fresh();
    const b = new PostgresStorage({ connectionString: url, schema, table: `kv_${n}` });
    await a.put("shared/k", new Uint8Array([9]));
    expect(await b.get("shared/k")).toEqual(new Uint8Array([9]));
    expect(await b.list("shared/")).toEqual(["k"]);
    await a.close();
    await b.close();
  });

  it("rolls back a transaction the engine fails half-way", async () => {
    const s = await fresh();
    const table = `${schema}.kv_${n}`;
    await s.put("keep", new Uint8Array([1]));
    await admin.query(`CREATE FUNCTION ${schema}.boom_${n}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.key = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`);
    await admin.query(
      `CREATE TRIGGER boom BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${schema}.boom_${n}()`,
    );
    const failing = s.transaction([
      { kind: "put", key: "first", value: new Uint8Array([2]) },
      { kind: "delete", key: "keep" },
      { kind: "put", key: "boom", value: new Uint8Array([3]) },
    ]);
    await expect(failing).rejects.toBeInstanceOf(StorageUnavailable);
    await expect(failing).rejects.toThrow(/^postgresql: transaction failed$/);
    expect(await s.get("first")).toBeUndefined();
    expect(await s.get("keep")).toEqual(new Uint8Array([1]));
    // The pool is still healthy after the rollback.
    await s.put("after", new Uint8Array([4]));
    expect(await s.get("after")).toEqual(new Uint8Array([4]));
    await s.close();
  });

  it("reports pool utilization between 0 and 1", async () => {
    const s = await fresh();
    expect(s.poolUtilization()).toBe(0);
    // Hold a table lock so two reads sit on checked-out connections.
    await admin.query("BEGIN");
    await admin.query(`LOCK TABLE ${schema}.kv_${n} IN ACCESS EXCLUSIVE MODE`);
    const blocked = Promise.all([s.get("a"), s.get("b")]);
    await expect.poll(() => s.poolUtilization()).toBeCloseTo(2 / 3);
    await admin.query("COMMIT");
    await blocked;
    expect(s.poolUtilization()).toBe(0);
    await s.close();
  });

  it("rejects bad identifiers and pool sizes", () => {
    expect(() => new PostgresStorage({ connectionString: url, table: 'x"; DROP' })).toThrow(RangeError);
    expect(() => new PostgresStorage({ connectionString: url, schema: "1abc" })).toThrow(RangeError);
    expect(() => new PostgresStorage({ connectionString: url, poolSize: 0 })).toThrow(RangeError);
  });

  it("reports an unreachable server as StorageUnavailable without leaking the URL", async () => {
    const bad = "postgres://postgres:hunter2@127.0.0.1:1/none";
    await expect(PostgresStorage.open({ connectionString: bad })).rejects.toBeInstanceOf(StorageUnavailable);
    const s = new PostgresStorage({ connectionString: bad });
    await expect(s.ping()).rejects.toThrow(/^postgresql: ping failed$/);
    await expect(s.get("k")).rejects.toBeInstanceOf(StorageUnavailable);
    await s.close();
  });
});
