/**
 * One enabled audit device: formats and HMACs each record with the device's salt and options, chains
 * it, and hands batches to its sink in order. Concurrent requests are grouped into one sink write
 * (group commit), so the chain's order is the write order and a busy server does one write per batch.
 * Invariant: the chain head only advances once the sink accepted the batch; a failed batch rolls it
 * back, so a failure leaves no gap in the sequence.
 */
import type { AuditRecord } from "../core/audit-port.js";
import type { Clock } from "../core/clock.js";
import { BoundedMemo } from "../core/memo.js";
import { commonOptions, type Checkpoint, type CommonOptions, type DeviceEntry } from "./device-config.js";
import { formatEntry, type EntryType } from "./format.js";
import { chainEntry, EMPTY_HEAD, type ChainedEntry, type ChainHead } from "./hash-chain.js";
import type { JsonObject } from "./json.js";
import { rawHasher, saltedHasher, type Hasher } from "./salt.js";
import type { AuditSink } from "./sink.js";

const MAX_BATCH = 256;

/** Where checkpoints of chain heads live (the broker's barrier view). */
export interface CheckpointStore {
  read(devicePath: string): Promise<Checkpoint | undefined>;
  write(devicePath: string, checkpoint: Checkpoint): Promise<void>;
}

interface Waiting {
  readonly entry: JsonObject;
  readonly resolve: (c: ChainedEntry) => void;
  readonly reject: (err: unknown) => void;
}

/** Told how each batch a device wrote or failed to write went (metrics). */
export interface AuditDeviceCounter {
  written(device: string, entries: number): void;
  failed(device: string, entries: number): void;
}

export interface DeviceDeps {
  readonly entry: DeviceEntry;
  readonly sink: AuditSink;
  readonly clock: Clock;
  readonly checkpoints: CheckpointStore;
  readonly counter?: AuditDeviceCounter;
}

export class AuditDevice {
  readonly options: CommonOptions;
  private readonly hasher: Hasher;
  /**
   * HMACs already computed for a request, kept only while its record lives: the request and response
   * entries of one request share the client token and accessor, so each is HMAC'd once, not twice.
   */
  private readonly hashed = new WeakMap<object, Map<string, string>>();
  private head: ChainHead | undefined;
  private checkpointed: ChainHead | undefined;
  private queue: Waiting[] = [];
  private draining: Promise<void> | undefined;
  /** The checkpoint write in flight, if any: at most one, and never awaited by the write path. */
  private storing: Promise<void> | undefined;

  constructor(private readonly deps: DeviceDeps) {
    this.options = commonOptions(deps.entry.options);
    this.hasher = this.options.logRaw ? rawHasher : saltedHasher(deps.entry.salt);
  }

  get path(): string {
    return this.deps.entry.path;
  }

  get entry(): DeviceEntry {
    return this.deps.entry;
  }

  get sink(): AuditSink {
    return this.deps.sink;
  }

  /**
   * Opens the sink and finds where the chain continues. On `enable` the output's own tail is the
   * head and becomes the checkpoint. On `reload` (after unseal) a stored checkpoint ahead of the
   * output's tail wins: the output lost entries while we were down, and continuing after the
   * checkpoint leaves that gap visible to `audit verify` instead of papering over it.
   */
  async open(mode: "enable" | "reload"): Promise<void> {
    const found = await this.deps.sink.open();
    if (mode === "enable") {
      this.head = found ?? EMPTY_HEAD;
      await this.writeCheckpoint(this.head);
      return;
    }
    const cp = await this.deps.checkpoints.read(this.path);
    this.head = cp && cp.seq > (found?.seq ?? 0) ? { seq: cp.seq, hash: cp.hash } : (found ?? EMPTY_HEAD);
    this.checkpointed = cp ? { seq: cp.seq, hash: cp.hash } : undefined;
  }

  /** Vault's `hmac-sha256:<hex>` of `input` with this device's salt (raw when log_raw is set). */
  hash(input: string): string {
    return this.hasher(input);
  }

  log(type: EntryType, record: AuditRecord): Promise<ChainedEntry> {
    const time = new Date(this.deps.clock.now()).toISOString();
    const raw = this.options.logRaw;
    const entry = formatEntry(type, record, time, {
      hash: raw ? this.hasher : this.hasherFor(record.request),
      hmacAccessor: this.options.hmacAccessor,
      elideListResponses: this.options.elideListResponses,
      ...(raw ? {} : { hashCallerToken: this.callerTokenHmac, hashAccessor: this.accessorHmac }),
    });
    return this.append(entry);
  }

  /**
   * HMACs of the callers' tokens and accessors, across requests (a client sends the same token
   * again and again). A token's is filed under the SHA-256 the token store already computed
   * (`idHash`), never under the token itself, so no raw token outlives its request here.
   */
  private readonly tokenHmacs = new BoundedMemo<string>(4096);
  private readonly accessorHmacs = new BoundedMemo<string>(4096);

  private readonly callerTokenHmac = (record: AuditRecord): string | undefined => {
    const { clientToken } = record;
    const idHash = record.request.caller.token?.idHash;
    if (clientToken === undefined || idHash === undefined) return undefined;
    return this.tokenHmacs.get(idHash) ?? this.tokenHmacs.remember(idHash, this.hasher(clientToken));
  };

  private readonly accessorHmac = (accessor: string): string =>
    this.accessorHmacs.get(accessor) ?? this.accessorHmacs.remember(accessor, this.hasher(accessor));

  private hasherFor(request: object): Hasher {
    let done = this.hashed.get(request);
    if (done === undefined) {
      done = new Map();
      this.hashed.set(request, done);
    }
    const memo = done;
    return (input) => {
      let h = memo.get(input);
      if (h === undefined) {
        h = this.hasher(input);
        memo.set(input, h);
      }
      return h;
    };
  }

  /** Chains and writes any entry (the broker's prune records go through here too). */
  append(entry: JsonObject): Promise<ChainedEntry> {
    return new Promise((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      // Started on a later tick and cleared by drain itself the moment its loop ends, so an entry
      // queued at any point is either picked up by the running loop or starts a new one.
      this.draining ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** Stores the chain head as a checkpoint if it moved since the last one. */
  async checkpoint(): Promise<void> {
    await this.draining;
    await this.storing?.catch(() => undefined);
    const head = this.head;
    if (!head || (this.checkpointed?.seq === head.seq && this.checkpointed.hash === head.hash)) return;
    await this.writeCheckpoint(head);
  }

  async close(): Promise<void> {
    await this.draining;
    await this.storing?.catch(() => undefined);
    await this.deps.sink.close();
  }

  private async writeCheckpoint(head: ChainHead): Promise<void> {
    await this.deps.checkpoints.write(this.path, {
      seq: head.seq,
      hash: head.hash,
      time: new Date(this.deps.clock.now()).toISOString(),
    });
    this.checkpointed = head;
  }

  /** Never rejects: every failure is delivered to the waiting writers. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        // A device whose output failed at unseal is retried here, on its next write.
        if (!this.head) await this.open("reload");
        const start = this.head ?? EMPTY_HEAD;
        let head = start;
        const chained = batch.map((w) => {
          const c = chainEntry(w.entry, head);
          head = c;
          return c;
        });
        await this.deps.sink.write(chained);
        this.head = { seq: head.seq, hash: head.hash };
        this.deps.counter?.written(this.path, batch.length);
        chained.forEach((c, i) => batch[i]?.resolve(c));
      } catch (err) {
        this.deps.counter?.failed(this.path, batch.length);
        batch.forEach((w) => w.reject(err));
        continue;
      }
      const since = this.head.seq - (this.checkpointed?.seq ?? 0);
      if (since >= this.options.checkpointEvery && !this.storing) {
        // In the background: a barrier write (an fsync) must not hold up the entries queued behind
        // it. Best effort: a failed checkpoint (sealing) is retried by the next one.
        const head = this.head;
        this.storing = this.writeCheckpoint(head)
          .catch(() => undefined)
          .finally(() => {
            this.storing = undefined;
          });
      }
    }
    // In the same synchronous step as the loop's last check: nothing can be queued in between.
    this.draining = undefined;
  }
}
