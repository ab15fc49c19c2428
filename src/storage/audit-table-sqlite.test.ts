import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteAuditTable } from "./audit-table-sqlite.js";
import { runAuditTableContract, row } from "./audit-table.contract.js";
import { StorageUnavailable } from "./storage.js";

const dir = mkdtempSync(join(tmpdir(), "secrethub-audit-table-"));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runAuditTableContract("sqlite", () => new SqliteAuditTable(join(dir, `a${++n}.db`)));

describe("SqliteAuditTable", () => {
  it("shares a database file another connection writes to (WAL)", async () => {
    const file = join(dir, "shared.db");
    const other = new Database(file);
    other.pragma("journal_mode = WAL");
    other.exec("CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB)");
    const table = new SqliteAuditTable(file);
    other.prepare("INSERT INTO kv VALUES ('k', x'01')").run();
    await table.append([row(1)]);
    other.prepare("INSERT INTO kv VALUES ('k2', x'02')").run();
    await table.close();
    const stored: unknown = other.prepare("SELECT time, actor_display_name, result FROM audit_events").get();
    expect(other.prepare("SELECT count(*) AS n FROM kv").get()).toEqual({ n: 2 });
    other.close();
    expect(stored).toEqual({
      time: "2026-01-01T00:00:01.000Z",
      actor_display_name: "token-alice",
      result: "success",
    });
  });

  it("reports engine failures as StorageUnavailable", async () => {
    const table = new SqliteAuditTable(join(dir, "missing-dir", "x", "a.db"));
    await expect(table.head("db/")).rejects.toBeInstanceOf(StorageUnavailable);
  });
});
