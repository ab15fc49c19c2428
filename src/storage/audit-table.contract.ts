/**
 * The behaviour every AuditTable must show, run against memory, a temp-file SQLite and the real
 * PostgreSQL (audit-table-*.test.ts). Passing it is what lets audit/ unit tests use the memory table.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditTable, AuditTableRow } from "./audit-table.js";

const T0 = Date.UTC(2026, 0, 1);

export function row(seq: number, over: Partial<AuditTableRow> = {}): AuditTableRow {
  return {
    device: "db/",
    seq,
    timeMs: T0 + seq * 1000,
    type: "response",
    namespace: "",
    actorAccessor: "hmac-sha256:acc",
    actorEntityId: "ent-1",
    actorName: "token-alice",
    operation: "read",
    path: `secret/data/app/${seq}`,
    result: "success",
    remoteAddress: "127.0.0.1",
    requestId: `req-${seq}`,
    metadata: '{"status_code":200}',
    entry: `{"seq":${seq}}`,
    hash: `h${seq}`,
    ...over,
  };
}

export function runAuditTableContract(name: string, factory: () => AuditTable | Promise<AuditTable>): void {
  describe(`AuditTable contract: ${name}`, () => {
    let t: AuditTable;
    beforeEach(async () => {
      t = await factory();
    });
    afterEach(async () => {
      await t.close();
    });

    it("is empty at first: no head, nothing to scan", async () => {
      expect(await t.head("db/")).toBeUndefined();
      expect(await t.scan("db/", 0, 10)).toEqual([]);
      expect(await t.lastSeqBefore("db/", T0 + 1e9)).toBeUndefined();
    });

    it("appends rows and returns them intact, in seq order, per device", async () => {
      await t.append([row(1), row(2, { result: "error", metadata: '{"error":"permission denied"}' })]);
      await t.append([row(1, { device: "other/" })]);
      await t.append([row(3)]);
      expect(await t.scan("db/", 0, 10)).toEqual([
        row(1),
        row(2, { result: "error", metadata: '{"error":"permission denied"}' }),
        row(3),
      ]);
      expect((await t.scan("db/", 1, 1)).map((r) => r.seq)).toEqual([2]);
      expect(await t.head("db/")).toEqual({ seq: 3, hash: "h3" });
      expect(await t.head("other/")).toEqual({ seq: 1, hash: "h1" });
    });

    it("refuses a duplicate (device, seq) and stores nothing of that batch", async () => {
      await t.append([row(1)]);
      await expect(t.append([row(2), row(1)])).rejects.toThrow();
      expect((await t.scan("db/", 0, 10)).map((r) => r.seq)).toEqual([1]);
    });

    it("filters by time range, path prefix, actor, operation, result, namespace and type", async () => {
      await t.append([
        row(1, { actorName: "token-bob", actorAccessor: "hmac-sha256:bob", actorEntityId: "ent-2" }),
        row(2, { path: "sys/policies/acl/x", operation: "update" }),
        row(3, { result: "error" }),
        row(4, { namespace: "team-a" }),
        row(5, { type: "request", result: "" }),
      ]);
      const seqs = async (q: Partial<Parameters<AuditTable["query"]>[0]>): Promise<number[]> =>
        (await t.query({ device: "db/", order: "asc", limit: 100, ...q })).map((r) => r.seq);
      expect(await seqs({})).toEqual([1, 2, 3, 4, 5]);
      expect(await seqs({ fromMs: T0 + 2000, toMs: T0 + 4000 })).toEqual([2, 3, 4]);
      expect(await seqs({ pathPrefix: "secret/data/app/" })).toEqual([1, 3, 4, 5]);
      expect(await seqs({ pathPrefix: "sys/" })).toEqual([2]);
      expect(await seqs({ actors: ["token-bob"] })).toEqual([1]);
      expect(await seqs({ actors: ["nobody", "hmac-sha256:bob"] })).toEqual([1]);
      expect(await seqs({ actors: ["ent-2"] })).toEqual([1]);
      expect(await seqs({ actors: ["token-alice"] })).toEqual([2, 3, 4, 5]);
      expect(await seqs({ operation: "update" })).toEqual([2]);
      expect(await seqs({ result: "error" })).toEqual([3]);
      expect(await seqs({ namespace: "team-a" })).toEqual([4]);
      expect(await seqs({ namespace: "" })).toEqual([1, 2, 3, 5]);
      expect(await seqs({ type: "request" })).toEqual([5]);
      expect(await seqs({ device: "nope/" })).toEqual([]);
    });

    it("paginates in either order with a seq cursor", async () => {
      await t.append([1, 2, 3, 4, 5].map((s) => row(s)));
      const q = { device: "db/", limit: 2 } as const;
      expect((await t.query({ ...q, order: "desc" })).map((r) => r.seq)).toEqual([5, 4]);
      expect((await t.query({ ...q, order: "desc", beforeSeq: 4 })).map((r) => r.seq)).toEqual([3, 2]);
      expect((await t.query({ ...q, order: "asc", afterSeq: 2 })).map((r) => r.seq)).toEqual([3, 4]);
    });

    it("finds the last seq before a time and deletes through a seq", async () => {
      await t.append([1, 2, 3, 4].map((s) => row(s)));
      await t.append([row(1, { device: "other/" })]);
      expect(await t.lastSeqBefore("db/", T0 + 3000)).toBe(2);
      expect(await t.lastSeqBefore("db/", T0)).toBeUndefined();
      expect(await t.deleteThrough("db/", 2)).toBe(2);
      expect((await t.scan("db/", 0, 10)).map((r) => r.seq)).toEqual([3, 4]);
      expect(await t.head("other/")).toEqual({ seq: 1, hash: "h1" });
      expect(await t.deleteThrough("db/", 2)).toBe(0);
    });
  });
}
