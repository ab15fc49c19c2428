/**
 * audit/ owns the audit broker, the devices (file, socket, database table), the HMAC of sensitive
 * values, the hash chain and its verifier. It sees requests only as the pipeline's AuditRecords and
 * storage only as the barrier view and audit table it is given; it must never write a secret in
 * clear, and never let a request through that no enabled device recorded.
 *
 * The broker is the pipeline's AuditPort: every request and response goes to every enabled device,
 * and the call rejects when devices are enabled and none recorded it (fail closed). With no device
 * enabled, requests pass, as in Vault. Device configurations (with their salts) and chain
 * checkpoints live in the barrier view; `load` re-enables the devices after unseal.
 */
import type { AuditPort, AuditRecord } from "../core/audit-port.js";
import type { Clock } from "../core/clock.js";
import { BadRequest, NotFound } from "../core/errors.js";
import type { StorageView } from "../core/request.js";
import {
  checkpointSchema,
  commonOptions,
  DEVICE_TYPES,
  deviceTableSchema,
  durationOption,
  normalizeDevicePath,
  stringOptions,
  type Checkpoint,
  type DeviceEntry,
  type DeviceType,
} from "./device-config.js";
import { AuditDevice, type AuditDeviceCounter, type CheckpointStore } from "./device.js";
import type { AuditEventStore } from "./event-store.js";
import { eventQuery, page, type AuditEventsPage, type AuditEventsRequest } from "./events.js";
import type { EntryType } from "./format.js";
import { pruneDevice, type PruneResult } from "./retention.js";
import { newUuid } from "../crypto/random.js";
import { newSalt } from "./salt.js";
import { isReadable } from "./sink.js";
import { createSink } from "./sinks.js";
import { ChainVerifier, type VerifyReport } from "./verify.js";

const DEVICES_KEY = "devices";
const CHECKPOINT_PREFIX = "checkpoint/";

export interface AuditBrokerDeps {
  /** The broker's barrier view (e.g. "core/audit/"); readable only while unsealed. */
  readonly storage: StorageView;
  readonly clock: Clock;
  /** The server's audit table, for database devices. */
  readonly table?: AuditEventStore;
  /** Period of the background checkpoint and retention job; 0 disables the timer. Default 60 s. */
  readonly maintenanceIntervalMs?: number;
  readonly stdout?: NodeJS.WritableStream;
  /** Per-device counts of entries written and failed, for metrics. */
  readonly counter?: AuditDeviceCounter;
  /** Failures of background work (reloading a device, maintenance), for the server's log. */
  readonly onError?: (message: string, err: unknown) => void;
}

export type AuditDeviceInfo = {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  path: string;
};

export interface EnableInput {
  readonly type: string;
  readonly description?: string;
  readonly options?: unknown;
  readonly local?: boolean;
}

export class AuditBroker implements AuditPort {
  private devices = new Map<string, AuditDevice>();
  private loading: Promise<void> = Promise.resolve();
  private reloading = false;
  private admin: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly checkpoints: CheckpointStore;

  constructor(private readonly deps: AuditBrokerDeps) {
    const key = (path: string): string => CHECKPOINT_PREFIX + encodeURIComponent(path);
    this.checkpoints = {
      read: (path) => deps.storage.read(key(path), checkpointSchema),
      write: (path, cp) => deps.storage.write(key(path), cp),
    };
  }

  logRequest(record: AuditRecord): Promise<void> {
    return this.log("request", record);
  }

  idle(): boolean {
    return !this.reloading && this.devices.size === 0;
  }

  logResponse(record: AuditRecord): Promise<void> {
    return this.log("response", record);
  }

  /** After unseal: re-enables every stored device. A device that cannot open now retries on write. */
  load(): Promise<void> {
    this.reloading = true;
    this.loading = this.reload().finally(() => {
      this.reloading = false;
    });
    return this.loading;
  }

  /** On seal: forgets the devices (their state returns with the next `load`). */
  unload(): void {
    this.stopTimer();
    const devices = [...this.devices.values()];
    this.devices = new Map();
    for (const d of devices) void d.close().catch((err: unknown) => this.report(`closing ${d.path}`, err));
  }

  /** Shutdown: stores every chain head as a checkpoint, then closes the devices. Call while unsealed. */
  async close(): Promise<void> {
    this.stopTimer();
    await this.checkpointAll();
    const devices = [...this.devices.values()];
    this.devices = new Map();
    await Promise.allSettled(devices.map((d) => d.close()));
    await this.deps.table?.close();
  }

  list(): Record<string, AuditDeviceInfo> {
    const out: Record<string, AuditDeviceInfo> = {};
    for (const d of this.devices.values()) {
      const e = d.entry;
      out[e.path] = {
        type: e.type,
        description: e.description,
        options: { ...e.options },
        local: e.local,
        path: e.path,
      };
    }
    return out;
  }

  enable(path: string, input: EnableInput): Promise<void> {
    return this.serialized(async () => {
      const entry = this.newEntry(path, input);
      if (this.devices.has(entry.path)) throw new BadRequest(`path already in use at "${entry.path}"`);
      const device = this.build(entry);
      try {
        await device.open("enable");
      } catch (err) {
        await device.close().catch(() => undefined);
        throw new BadRequest(`audit device "${entry.path}" could not be opened: ${reason(err)}`, {
          cause: err,
        });
      }
      try {
        await this.saveTable([...this.entries(), entry]);
      } catch (err) {
        await device.close().catch(() => undefined);
        throw err;
      }
      this.devices.set(entry.path, device);
    });
  }

  /** Vault semantics: disabling a device that is not enabled succeeds. Its last checkpoint stays. */
  disable(path: string): Promise<void> {
    return this.serialized(async () => {
      const key = normalizeDevicePath(path);
      const device = this.devices.get(key);
      if (!device) return;
      this.devices.delete(key);
      await this.saveTable(this.entries());
      await device.checkpoint().catch((err: unknown) => this.report(`checkpoint of ${key}`, err));
      await device.close();
    });
  }

  hash(path: string, input: string): string {
    return this.device(path).hash(input);
  }

  /** The last stored checkpoint of a device's chain (kept after the device is disabled). */
  async checkpoint(path: string): Promise<Checkpoint> {
    const key = normalizeDevicePath(path);
    await this.devices.get(key)?.checkpoint();
    const cp = await this.checkpoints.read(key);
    if (!cp) throw new NotFound(`no checkpoint for audit device "${key}"`);
    return cp;
  }

  /** Verifies a file or database device's chain as stored, against its current head. */
  async verify(path: string): Promise<VerifyReport> {
    const device = this.device(path);
    const sink = device.sink;
    if (!isReadable(sink))
      throw new BadRequest(`audit device "${device.path}" cannot be read back by the server`);
    const cp = await this.checkpoint(device.path);
    const verifier = new ChainVerifier({ checkpoint: cp, prefix: device.options.prefix });
    for await (const { text, line } of sink.readBack()) verifier.push(text, { line });
    return verifier.finish();
  }

  async events(request: AuditEventsRequest): Promise<AuditEventsPage> {
    const table = this.deps.table;
    const databases = [...this.devices.values()].filter((d) => d.entry.type === "database");
    const device = request.device ? this.device(request.device) : databases[0];
    if (!table || !device || device.entry.type !== "database") {
      throw new BadRequest("no database audit device is enabled (or the named device is not one)");
    }
    if (!request.device && databases.length > 1)
      throw new BadRequest("several database devices: name one with device");
    const actor = request.actor ?? "";
    const q = eventQuery(device.path, request, [actor, device.hash(actor)]);
    return page(await table.query(q), q.limit);
  }

  /** The background job, callable directly: checkpoints every head and applies retention. */
  async maintain(): Promise<PruneResult[]> {
    const pruned: PruneResult[] = [];
    for (const device of [...this.devices.values()]) {
      const table = this.deps.table;
      const retention = durationOption(device.entry.options, "retention_period", 0);
      if (device.entry.type === "database" && table && retention > 0) {
        const r = await pruneDevice(device, table, this.deps.clock, retention);
        if (r) pruned.push(r);
      }
      await device.checkpoint();
    }
    return pruned;
  }

  private async log(type: EntryType, record: AuditRecord): Promise<void> {
    await this.loading;
    const devices = [...this.devices.values()];
    if (devices.length === 0) return;
    // Sealing drops the barrier: store the heads while it is still open.
    if (type === "request" && record.fullPath === "sys/seal") await this.checkpointAll();
    const results = await Promise.allSettled(devices.map((d) => d.log(type, record)));
    if (results.some((r) => r.status === "fulfilled")) return;
    const causes = results.map((r): unknown => (r.status === "rejected" ? r.reason : undefined));
    throw new AggregateError(causes, "no audit device recorded the entry");
  }

  private async reload(): Promise<void> {
    this.unload();
    const entries = (await this.deps.storage.read(DEVICES_KEY, deviceTableSchema)) ?? [];
    for (const entry of entries) {
      let device: AuditDevice;
      try {
        device = this.build(entry);
      } catch (err) {
        this.report(`audit device ${entry.path} has an invalid configuration`, err);
        continue;
      }
      this.devices.set(entry.path, device);
      await device
        .open("reload")
        .catch((err: unknown) => this.report(`opening audit device ${entry.path}`, err));
    }
    this.startTimer();
  }

  private newEntry(path: string, input: EnableInput): DeviceEntry {
    const type = DEVICE_TYPES.find((t) => t === input.type);
    if (!type)
      throw new BadRequest(`unknown audit device type "${input.type}": one of ${DEVICE_TYPES.join(", ")}`);
    const deviceType: DeviceType = type;
    const options = stringOptions(input.options);
    commonOptions(options);
    return {
      path: normalizeDevicePath(path),
      type: deviceType,
      description: input.description ?? "",
      options,
      local: input.local ?? false,
      uuid: newUuid(),
      salt: newSalt(),
    };
  }

  private build(entry: DeviceEntry): AuditDevice {
    const prefix = commonOptions(entry.options).prefix;
    const sink = createSink(entry, prefix, {
      ...(this.deps.table ? { table: this.deps.table } : {}),
      ...(this.deps.stdout ? { stdout: this.deps.stdout } : {}),
    });
    return new AuditDevice({
      entry,
      sink,
      clock: this.deps.clock,
      checkpoints: this.checkpoints,
      ...(this.deps.counter ? { counter: this.deps.counter } : {}),
    });
  }

  private device(path: string): AuditDevice {
    const key = normalizeDevicePath(path);
    const device = this.devices.get(key);
    if (!device) throw new BadRequest(`unknown audit device "${key}"`);
    return device;
  }

  private entries(): DeviceEntry[] {
    return [...this.devices.values()].map((d) => d.entry);
  }

  private saveTable(entries: readonly DeviceEntry[]): Promise<void> {
    return this.deps.storage.write(DEVICES_KEY, entries);
  }

  private async checkpointAll(): Promise<void> {
    await Promise.all(
      [...this.devices.values()].map((d) =>
        d.checkpoint().catch((err: unknown) => this.report(`checkpoint of ${d.path}`, err)),
      ),
    );
  }

  private serialized<T>(op: () => Promise<T>): Promise<T> {
    const run = this.admin.then(op);
    this.admin = run.catch(() => undefined);
    return run;
  }

  private startTimer(): void {
    const every = this.deps.maintenanceIntervalMs ?? 60_000;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      this.maintain().catch((err: unknown) => this.report("audit maintenance", err));
    }, every);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private report(message: string, err: unknown): void {
    this.deps.onError?.(message, err);
  }
}

function reason(err: unknown): string {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string")
    return err.code;
  return err instanceof Error ? err.message : "unknown error";
}
