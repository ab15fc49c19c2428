import { MemoryAuditTable } from "./audit-table-memory.js";
import { runAuditTableContract } from "./audit-table.contract.js";

runAuditTableContract("memory", () => new MemoryAuditTable());
