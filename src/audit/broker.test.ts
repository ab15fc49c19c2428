import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../core/audit-port.js";
import { ManualClock } from "../core/clock.js";
import { BadRequest, NotFound } from "../core/errors.js";
import type { Request } from "../core/request.js";
import { PrefixedView } from "../core/view.js";
import { MemoryAuditTable } from "../storage/audit-table-memory.js";
import { MemoryStorage } from "../storage/memory.js";
import { AuditBroker, type AuditBrokerDeps } from "./broker.js";

const TOKEN = "hvs.ROOTtokenSECRET0000000";
let dir: string;
let backing: MemoryStorage;
let clock: ManualClock;
let table: MemoryAuditTable;
const brokers: AuditBroker[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "secrethub-broker-"));
  backing = new MemoryStorage();
  clock = new ManualClock();
  table = new MemoryAuditTable();
});
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function broker(over: Partial<AuditBrokerDeps> = {}): AuditBroker {
  const b = new AuditBroker({
    storage: new PrefixedView(backing, "core/audit/"),
    clock,
    table,
    maintenanceIntervalMs: 0,
    ...over,
  });
  brokers.push(b);
  return b;
}

function record(
  path = "secret/data/app",
  data: Record<string, unknown> = { data: { password: "hunter2" } },
): AuditRecord {
  const request: Request = {
    id: `req-${path}`,
    operation: "update",
    path: path.replace(/^[^/]+\//, ""),
    mountPath: `${path.split("/")[0] ?? ""}/`,
    mountType: "kv",
    data,
    caller: {
      namespace: "",
      remoteAddress: "127.0.0.1",
      token: {
        accessor: "ACCESSOR1",
        policies: ["root"],
        displayName: "root",
        entityId: "",
        metadata: {},
        idHash: "x",
        orphan: false,
      },
    },
    storage: new PrefixedView(new MemoryStorage(), "m/"),
    headers: {},
  };
  return { request, fullPath: path, clientToken: TOKEN };
}

async function roundTrip(b: AuditBroker, path?: string): Promise<void> {
  const r = record(path);
  await b.logRequest(r);
  await b.logResponse({ ...r, response: { data: { data: { password: "hunter2" } } }, status: 200 });
}

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("AuditBroker", () => {
  it("lets requests through while no device is enabled", async () => {
    const b = broker();
    await b.load();
    await roundTrip(b);
    expect(b.list()).toEqual({});
  });

  it("writes every request and response to a file device, chained, with secrets HMAC'd", async () => {
    const b = broker();
    await b.load();
    const file = join(dir, "audit.log");
    await b.enable("file", { type: "file", description: "main", options: { file_path: file } });
    expect(b.list()).toEqual({
      "file/": {
        type: "file",
        description: "main",
        options: { file_path: file },
        local: false,
        path: "file/",
      },
    });
    await roundTrip(b);
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain(TOKEN);
    const [req, res] = lines(file);
    expect(req).toMatchObject({ type: "request", seq: 1, auth: { client_token: b.hash("file", TOKEN) } });
    expect(res).toMatchObject({ type: "response", seq: 2, prev_hash: req?.hash });
    expect(res?.response).toMatchObject({ data: { data: { password: b.hash("file/", "hunter2") } } });
    expect(await b.verify("file")).toMatchObject({
      intact: true,
      entries: 2,
      checkpoint: { seq: 2, status: "matched" },
    });
  });

  it("refuses bad device configurations without enabling anything", async () => {
    const b = broker();
    await b.load();
    writeFileSync(join(dir, "plain"), "");
    const cases: [string, Parameters<AuditBroker["enable"]>[1]][] = [
      ["a", { type: "syslog" }],
      ["b", { type: "file", options: {} }],
      ["c", { type: "file", options: { file_path: join(dir, "x.log"), mode: "rw" } }],
      ["d", { type: "file", options: { file_path: join(dir, "plain", "x.log") } }],
      ["e", { type: "file", options: { file_path: join(dir, "x.log"), hmac_accessor: "maybe" } }],
      ["f", { type: "file", options: { file_path: join(dir, "x.log"), format: "jsonx" } }],
      ["g", { type: "socket", options: {} }],
      ["h", { type: "socket", options: { address: "nope" } }],
      ["i", { type: "socket", options: { address: "127.0.0.1:1", socket_type: "sctp" } }],
      ["j", { type: "file", options: "file_path=x" }],
      ["k", { type: "file", options: { file_path: { nested: true } } }],
      ["l", { type: "database", options: { retention_period: "forever" } }],
      ["m", { type: "file", options: { file_path: join(dir, "x.log"), checkpoint_every: "0" } }],
      ["../n", { type: "file", options: { file_path: join(dir, "x.log") } }],
    ];
    for (const [path, input] of cases) await expect(b.enable(path, input)).rejects.toBeInstanceOf(BadRequest);
    await expect(broker({ table: undefined }).enable("db", { type: "database" })).rejects.toBeInstanceOf(
      BadRequest,
    );
    await b.enable("ok", { type: "file", options: { file_path: "discard" } });
    await expect(b.enable("ok/", { type: "file", options: { file_path: "discard" } })).rejects.toThrow(
      /in use/,
    );
    expect(Object.keys(b.list())).toEqual(["ok/"]);
  });

  it("fails closed when no enabled device can record, and passes while one can", async () => {
    const b = broker();
    await b.load();
    const logs = join(dir, "logs");
    mkdirSync(logs);
    await b.enable("file", { type: "file", options: { file_path: join(logs, "audit.log") } });
    await roundTrip(b);
    rmSync(logs, { recursive: true });
    await expect(b.logRequest(record())).rejects.toThrow(/no audit device/);
    await b.enable("backup", { type: "file", options: { file_path: join(dir, "backup.log") } });
    await roundTrip(b);
    expect(lines(join(dir, "backup.log"))).toHaveLength(2);
    // The broken device recovers once its path is writable again; its chain has no gap.
    mkdirSync(logs);
    await roundTrip(b);
    expect(lines(join(logs, "audit.log")).map((e) => e.seq)).toEqual([3, 4]);
  });

  it("counts the entries each device wrote and failed to write", async () => {
    const counts: string[] = [];
    const b = broker({
      counter: {
        written: (d, n) => counts.push(`${d} wrote ${n}`),
        failed: (d, n) => counts.push(`${d} failed ${n}`),
      },
    });
    await b.load();
    const logs = join(dir, "logs");
    mkdirSync(logs);
    await b.enable("f", { type: "file", options: { file_path: join(logs, "a.log") } });
    await b.logRequest(record());
    rmSync(logs, { recursive: true });
    await expect(b.logRequest(record())).rejects.toThrow();
    expect(counts).toEqual(["f/ wrote 1", "f/ failed 1"]);
  });

  it("keeps devices, salts and chains across seal and unseal", async () => {
    const file = join(dir, "audit.log");
    const first = broker();
    await first.load();
    await first.enable("file", { type: "file", options: { file_path: file, prefix: "@" } });
    const hash = first.hash("file", "x");
    await roundTrip(first);
    first.unload();
    await roundTrip(first); // sealed: no devices, nothing written
    const second = broker();
    await second.load();
    expect(Object.keys(second.list())).toEqual(["file/"]);
    expect(second.hash("file", "x")).toBe(hash);
    await roundTrip(second);
    expect(readFileSync(file, "utf8").trim().split("\n")).toHaveLength(4);
    expect(await second.verify("file")).toMatchObject({ intact: true, entries: 4 });
  });

  it("stores a checkpoint every checkpoint_every entries, on maintenance and before sys/seal", async () => {
    const b = broker();
    await b.load();
    await b.enable("f", { type: "file", options: { file_path: join(dir, "a.log"), checkpoint_every: "4" } });
    const stored = async () => {
      const view = new PrefixedView(backing, "core/audit/");
      return view.read("checkpoint/f%2F", (raw) => raw);
    };
    expect(await stored()).toMatchObject({ seq: 0 });
    await roundTrip(b);
    await roundTrip(b);
    expect(await stored()).toMatchObject({ seq: 4 });
    await roundTrip(b);
    expect(await stored()).toMatchObject({ seq: 4 });
    await b.maintain();
    expect(await stored()).toMatchObject({ seq: 6 });
    await b.logRequest(record("sys/seal", {}));
    expect(await stored()).toMatchObject({ seq: 6 });
    await b.logRequest(record("sys/seal", {}));
    expect(await stored()).toMatchObject({ seq: 7 });
    expect(await b.checkpoint("f")).toMatchObject({ seq: 8 });
    await expect(b.checkpoint("nothing")).rejects.toBeInstanceOf(NotFound);
  });

  it("continues after the checkpoint when the file lost its tail while sealed, leaving the gap visible", async () => {
    const file = join(dir, "audit.log");
    const first = broker();
    await first.load();
    await first.enable("f", { type: "file", options: { file_path: file } });
    await roundTrip(first);
    await roundTrip(first);
    await first.close();
    const keep = readFileSync(file, "utf8").split("\n").slice(0, 2).join("\n");
    truncateSync(file, 0);
    writeFileSync(file, `${keep}\n`);
    const second = broker();
    await second.load();
    await roundTrip(second);
    expect(lines(file).map((e) => e.seq)).toEqual([1, 2, 5, 6]);
    expect(await second.verify("f")).toMatchObject({ intact: false, problem: "missing", line: 3 });
  });

  it("detects tampering through sys/audit/verify, and refuses devices it cannot read back", async () => {
    const b = broker();
    await b.load();
    const file = join(dir, "audit.log");
    await b.enable("f", { type: "file", options: { file_path: file } });
    await b.enable("out", { type: "file", options: { file_path: "discard" } });
    await roundTrip(b);
    await roundTrip(b);
    const text = readFileSync(file, "utf8").replace('"operation":"update"', '"operation":"read"');
    writeFileSync(file, text);
    expect(await b.verify("f")).toMatchObject({ intact: false, problem: "modified", line: 1 });
    await expect(b.verify("out")).rejects.toBeInstanceOf(BadRequest);
    await expect(b.verify("missing")).rejects.toBeInstanceOf(BadRequest);
  });

  it("disables devices (and succeeds for unknown ones), keeping the last checkpoint", async () => {
    const b = broker();
    await b.load();
    await b.enable("f", { type: "file", options: { file_path: join(dir, "a.log") } });
    await roundTrip(b);
    await b.disable("f/");
    await b.disable("never");
    expect(b.list()).toEqual({});
    await roundTrip(b);
    expect(await b.checkpoint("f")).toMatchObject({ seq: 2 });
    const again = broker();
    await again.load();
    expect(again.list()).toEqual({});
    expect(() => b.hash("f", "x")).toThrow(BadRequest);
  });

  it("records into the database device and answers queries by path, actor and result", async () => {
    const b = broker();
    await b.load();
    await b.enable("db", { type: "database" });
    await roundTrip(b, "secret/data/app/one");
    clock.advance(60);
    await roundTrip(b, "sys/policies/acl/x");
    await b.logRequest(record("secret/data/denied"));
    await b.logResponse({ ...record("secret/data/denied"), error: "permission denied", status: 403 });
    const all = await b.events({});
    expect(all.events.map((e) => e.path)).toEqual([
      "secret/data/denied",
      "sys/policies/acl/x",
      "secret/data/app/one",
    ]);
    expect(JSON.stringify(all)).not.toContain("hunter2");
    expect(JSON.stringify(all)).not.toContain(TOKEN);
    expect((await b.events({ pathPrefix: "secret/" })).events).toHaveLength(2);
    expect((await b.events({ actor: "root" })).events).toHaveLength(3);
    expect((await b.events({ actor: "ACCESSOR1" })).events).toHaveLength(3);
    expect((await b.events({ actor: "someone" })).events).toHaveLength(0);
    expect((await b.events({ result: "error" })).events.map((e) => e.path)).toEqual(["secret/data/denied"]);
    expect((await b.events({ type: "all" })).events).toHaveLength(6);
    const from = new Date(clock.now()).toISOString();
    expect((await b.events({ from })).events).toHaveLength(2);
    const page1 = await b.events({ limit: 2 });
    expect(page1.next_cursor).not.toBeNull();
    const page2 = await b.events({ limit: 2, cursor: page1.next_cursor ?? "" });
    expect(page2).toMatchObject({ next_cursor: null, events: [{ path: "secret/data/app/one" }] });
    expect(page2.events[0]).toMatchObject({
      type: "response",
      actor: { display_name: "root", accessor: b.hash("db", "ACCESSOR1") },
      result: "success",
      operation: "update",
      metadata: { mount_type: "kv", status_code: 200 },
      entry: { type: "response", request: { path: "secret/data/app/one" } },
    });
    expect(await b.verify("db")).toMatchObject({ intact: true, entries: 6 });
  });

  it("refuses event queries without a (single) database device", async () => {
    const b = broker();
    await b.load();
    await expect(b.events({})).rejects.toBeInstanceOf(BadRequest);
    await b.enable("f", { type: "file", options: { file_path: "discard" } });
    await expect(b.events({ device: "f" })).rejects.toBeInstanceOf(BadRequest);
    await b.enable("db1", { type: "database" });
    await b.enable("db2", { type: "database" });
    await expect(b.events({})).rejects.toThrow(/several/);
    expect(await b.events({ device: "db2" })).toEqual({ events: [], next_cursor: null });
  });

  it("prunes the database device by retention, recorded in the chain so verification still passes", async () => {
    const b = broker();
    await b.load();
    await b.enable("db", { type: "database", options: { retention_period: "1h" } });
    await roundTrip(b, "secret/data/old");
    clock.advance(1800);
    await roundTrip(b, "secret/data/mid");
    expect(await b.maintain()).toEqual([]);
    clock.advance(1801);
    await roundTrip(b, "secret/data/new");
    expect(await b.maintain()).toEqual([{ device: "db/", deleted: 2, through_seq: 2 }]);
    expect((await table.scan("db/", 0, 100)).map((r) => r.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(await b.verify("db")).toMatchObject({ intact: true, entries: 5, first_seq: 3, pruned_through: 2 });
    const prunes = await b.events({ type: "prune" });
    expect(prunes.events[0]).toMatchObject({
      metadata: { prune: { from_seq: 1, through_seq: 2, deleted: 2 } },
    });
    // Deleting rows by hand is still caught.
    await table.deleteThrough("db/", 3);
    expect(await b.verify("db")).toMatchObject({ intact: false, problem: "missing", seq: 4 });
  });

  it("retries a device that could not open at unseal on its next write", async () => {
    const logs = join(dir, "logs");
    mkdirSync(logs);
    const first = broker();
    await first.load();
    await first.enable("f", { type: "file", options: { file_path: join(logs, "a.log") } });
    await first.close();
    rmSync(logs, { recursive: true });
    const errors: string[] = [];
    const second = broker({ onError: (m) => errors.push(m) });
    await second.load();
    expect(errors.join()).toMatch(/opening audit device f\//);
    await expect(second.logRequest(record())).rejects.toThrow();
    mkdirSync(logs);
    await roundTrip(second);
    expect(lines(join(logs, "a.log")).map((e) => e.seq)).toEqual([1, 2]);
  });

  it("runs maintenance on a timer", async () => {
    const b = broker({ maintenanceIntervalMs: 10 });
    await b.load();
    await b.enable("f", { type: "file", options: { file_path: join(dir, "a.log") } });
    await roundTrip(b);
    const view = new PrefixedView(backing, "core/audit/");
    for (let i = 0; i < 100; i++) {
      const cp = await view.read("checkpoint/f%2F", (raw) => raw);
      if (JSON.stringify(cp).includes('"seq":2')) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("no checkpoint from the timer");
  });
});
