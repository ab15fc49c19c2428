/** Opens the audit table that matches the server's storage configuration. */
import { MemoryAuditTable } from "./audit-table-memory.js";
import { PostgresAuditTable } from "./audit-table-postgres.js";
import { SqliteAuditTable } from "./audit-table-sqlite.js";
import type { AuditTable } from "./audit-table.js";

export type AuditTableConfig =
  | { readonly type: "sqlite"; readonly path: string }
  | { readonly type: "postgresql"; readonly connectionUrl: string; readonly table: string }
  | { readonly type: "inmem" };

/** Nothing connects until the first use: a server without a database audit device never does. */
export function openAuditTable(cfg: AuditTableConfig): AuditTable {
  switch (cfg.type) {
    case "sqlite":
      return new SqliteAuditTable(cfg.path);
    case "postgresql":
      // Beside the key/value table, named after it so clusters sharing a database stay apart.
      return new PostgresAuditTable({ connectionString: cfg.connectionUrl, table: `${cfg.table}_audit` });
    case "inmem":
      return new MemoryAuditTable();
  }
}
