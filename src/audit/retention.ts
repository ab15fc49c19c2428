/**
 * Retention for the database device: rows older than `retention_period` are deleted, and the
 * deletion is first recorded in the device's own chain as a `prune` entry naming the last deleted
 * seq and its hash. The verifier accepts a log that starts right after a recorded prune, so pruning
 * is never mistaken for tampering, while deleting rows by hand still is.
 */
import type { Clock } from "../core/clock.js";
import type { AuditDevice } from "./device.js";
import type { AuditEventStore } from "./event-store.js";

export type PruneResult = { device: string; deleted: number; through_seq: number };

export async function pruneDevice(
  device: AuditDevice,
  table: AuditEventStore,
  clock: Clock,
  retentionSeconds: number,
): Promise<PruneResult | undefined> {
  if (retentionSeconds <= 0) return undefined;
  const cutoff = clock.now() - retentionSeconds * 1000;
  const through = await table.lastSeqBefore(device.path, cutoff);
  if (through === undefined) return undefined;
  const [first] = await table.scan(device.path, 0, 1);
  const [last] = await table.scan(device.path, through - 1, 1);
  if (!first || last?.seq !== through) return undefined;
  // Recorded before deleting: a crash in between leaves rows the record says are gone, which
  // verifies; the other order would leave an unexplained gap.
  await device.append({
    time: new Date(clock.now()).toISOString(),
    type: "prune",
    prune: {
      from_seq: first.seq,
      through_seq: through,
      through_hash: last.hash,
      deleted: through - first.seq + 1,
      before: new Date(cutoff).toISOString(),
    },
  });
  const deleted = await table.deleteThrough(device.path, through);
  return { device: device.path, deleted, through_seq: through };
}
