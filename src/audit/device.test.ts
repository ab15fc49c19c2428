import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../core/audit-port.js";
import { ManualClock } from "../core/clock.js";
import { PrefixedView } from "../core/view.js";
import { MemoryStorage } from "../storage/memory.js";
import type { Checkpoint, DeviceEntry } from "./device-config.js";
import { AuditDevice, type CheckpointStore } from "./device.js";
import type { ChainedEntry, ChainHead } from "./hash-chain.js";
import { sha256Hex } from "../crypto/hmac.js";
import { newSalt } from "./salt.js";
import type { AuditSink } from "./sink.js";
import { ChainVerifier } from "./verify.js";

/** A sink that keeps lines in memory and can be told to fail; records each write's batch size. */
class MemorySink implements AuditSink {
  lines: string[] = [];
  batches: number[] = [];
  failing = false;
  constructor(private readonly existing?: ChainHead) {}
  open(): Promise<ChainHead | undefined> {
    return this.failing ? Promise.reject(new Error("cannot open")) : Promise.resolve(this.existing);
  }
  async write(entries: readonly ChainedEntry[]): Promise<void> {
    await new Promise((r) => setTimeout(r, 1));
    if (this.failing) throw new Error("disk full");
    this.batches.push(entries.length);
    this.lines.push(...entries.map((e) => e.json));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function memoryCheckpoints(): CheckpointStore & { saved: Map<string, Checkpoint> } {
  const saved = new Map<string, Checkpoint>();
  return {
    saved,
    read: (p) => Promise.resolve(saved.get(p)),
    write: (p, cp) => {
      saved.set(p, cp);
      return Promise.resolve();
    },
  };
}

const entry = (options: Record<string, string> = {}): DeviceEntry => ({
  path: "mem/",
  type: "file",
  description: "",
  options,
  local: false,
  uuid: "u",
  salt: newSalt(),
});

const record: AuditRecord = {
  fullPath: "secret/data/x",
  request: {
    id: "r",
    operation: "read",
    path: "data/x",
    mountPath: "secret/",
    mountType: "kv",
    data: {},
    caller: { namespace: "", remoteAddress: "127.0.0.1" },
    storage: new PrefixedView(new MemoryStorage(), "s/"),
    headers: {},
  },
};

function verify(lines: readonly string[]) {
  const v = new ChainVerifier();
  lines.forEach((l, i) => v.push(l, { line: i + 1 }));
  return v.finish();
}

/** A device over an in-memory sink, enabled (its chain starts at the sink's tail). */
async function enabledDevice(): Promise<{ d: AuditDevice; sink: MemorySink }> {
  const sink = new MemorySink();
  const d = new AuditDevice({
    entry: entry(),
    sink,
    clock: new ManualClock(),
    checkpoints: memoryCheckpoints(),
  });
  await d.open("enable");
  return { d, sink };
}

describe("AuditDevice", () => {
  it("groups concurrent entries into few sink writes, in one unbroken chain", async () => {
    const { d, sink } = await enabledDevice();
    await Promise.all(Array.from({ length: 50 }, () => d.log("request", record)));
    expect(sink.lines).toHaveLength(50);
    expect(sink.batches.length).toBeLessThan(50);
    expect(verify(sink.lines)).toMatchObject({ intact: true, entries: 50 });
  });

  it("HMACs callers' tokens and accessors right on every request, remembering them by idHash, not the token", async () => {
    const { d } = await enabledDevice();
    const caller = (token: string, accessor: string): AuditRecord => ({
      ...record,
      clientToken: token,
      request: {
        ...record.request,
        caller: {
          namespace: "",
          remoteAddress: "127.0.0.1",
          token: {
            accessor,
            policies: ["default"],
            displayName: "t",
            entityId: "",
            metadata: {},
            idHash: sha256Hex(token),
            orphan: true,
            boundCidrs: [],
          },
        },
      },
    });
    const calls = [caller("hvs.one", "acc1"), caller("hvs.two", "acc2"), caller("hvs.one", "acc1")];
    for (const r of calls) {
      const c = await d.log("request", { ...r, request: { ...r.request } }); // a new request each time
      expect(c.entry.auth).toMatchObject({
        client_token: d.hash(r.clientToken!),
        accessor: d.hash(r.request.caller.token!.accessor),
      });
      expect((c.entry.request as Record<string, unknown>).client_token).toBe(d.hash(r.clientToken!));
    }
    // What the device keeps across requests is filed under digests and accessors, never raw tokens.
    const kept = [...(d as unknown as { tokenHmacs: Map<string, string> }).tokenHmacs.keys()];
    expect(kept.sort()).toEqual([sha256Hex("hvs.one"), sha256Hex("hvs.two")].sort());
  });

  it("rolls the head back when a write fails, so the chain has no gap", async () => {
    const { d, sink } = await enabledDevice();
    await d.log("request", record);
    sink.failing = true;
    await expect(d.log("request", record)).rejects.toThrow("disk full");
    sink.failing = false;
    const c = await d.log("response", record);
    expect(c.seq).toBe(2);
    expect(verify(sink.lines)).toMatchObject({ intact: true, entries: 2 });
  });

  it("on reload continues from the output's own tail, or from a checkpoint ahead of it", async () => {
    const cps = memoryCheckpoints();
    const clock = new ManualClock();
    cps.saved.set("mem/", { seq: 10, hash: "c".repeat(64), time: "t" });
    const behind = new AuditDevice({
      entry: entry(),
      sink: new MemorySink({ seq: 7, hash: "a".repeat(64) }),
      clock,
      checkpoints: cps,
    });
    await behind.open("reload");
    expect((await behind.log("request", record)).seq).toBe(11);
    const ahead = new AuditDevice({
      entry: entry(),
      sink: new MemorySink({ seq: 12, hash: "b".repeat(64) }),
      clock,
      checkpoints: cps,
    });
    await ahead.open("reload");
    const next = await ahead.log("request", record);
    expect(next).toMatchObject({ seq: 13, entry: { prev_hash: "b".repeat(64) } });
    // Enabling anew takes the output as it is and resets the checkpoint to it.
    const fresh = new AuditDevice({
      entry: entry(),
      sink: new MemorySink({ seq: 3, hash: "d".repeat(64) }),
      clock,
      checkpoints: cps,
    });
    await fresh.open("enable");
    expect(cps.saved.get("mem/")).toMatchObject({ seq: 3, hash: "d".repeat(64) });
  });

  it("opens lazily after a failed open, and reports the failure to the writer until then", async () => {
    const sink = new MemorySink();
    sink.failing = true;
    const d = new AuditDevice({
      entry: entry(),
      sink,
      clock: new ManualClock(),
      checkpoints: memoryCheckpoints(),
    });
    await expect(d.open("reload")).rejects.toThrow("cannot open");
    await expect(d.log("request", record)).rejects.toThrow("cannot open");
    sink.failing = false;
    expect((await d.log("request", record)).seq).toBe(1);
    await d.close();
  });

  it("keeps serving when a checkpoint cannot be stored", async () => {
    const sink = new MemorySink();
    const cps: CheckpointStore = {
      read: () => Promise.resolve(undefined),
      write: () => Promise.reject(new Error("sealed")),
    };
    const d = new AuditDevice({
      entry: entry({ checkpoint_every: "1" }),
      sink,
      clock: new ManualClock(),
      checkpoints: cps,
    });
    await d.open("reload");
    await d.log("request", record);
    await d.log("request", record);
    expect(sink.lines).toHaveLength(2);
    await expect(d.checkpoint()).rejects.toThrow("sealed");
  });
});
