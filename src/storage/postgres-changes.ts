/**
 * Cross-node change notices for the PostgreSQL backend. Every write transaction also runs
 * `pg_notify(CHANNEL, {t: table, n: node, k: key})`, delivered to every listening session when (and
 * only if) the transaction commits. Each node listens on one dedicated connection and hands other
 * nodes' keys to the server, which evicts them from its caches (barrier read cache, policies, mount
 * table, keyring). A lost connection may have missed notices: after reconnecting, the listener reports
 * "all", and the server drops every cache.
 * Invariant: a node's caches are never older than the last notice it received, and after any gap in
 * the feed they are emptied.
 */
import pg from "pg";

export const CHANGES_CHANNEL = "secrethub_changes";
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; longer keys are announced as "all". */
const MAX_PAYLOAD = 7900;

export type ChangeListener = (keys: readonly string[] | "all") => void;

/** The notice for one written key (`null` key: "everything may have changed"). */
export function changeNotice(table: string, node: string, key: string): string {
  const payload = JSON.stringify({ t: table, n: node, k: key });
  return Buffer.byteLength(payload) < MAX_PAYLOAD ? payload : JSON.stringify({ t: table, n: node, k: null });
}

function parseNotice(payload: string | undefined): { t: string; n: string; k: string | null } | undefined {
  try {
    const v: unknown = JSON.parse(payload ?? "");
    if (typeof v !== "object" || v === null) return undefined;
    const { t, n, k } = v as Record<string, unknown>;
    if (typeof t !== "string" || typeof n !== "string" || (typeof k !== "string" && k !== null))
      return undefined;
    return { t, n, k };
  } catch {
    return undefined;
  }
}

export class ChangeFeed {
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private delay = 500;

  constructor(
    private readonly connectionString: string,
    private readonly table: string,
    private readonly node: string,
    private readonly listener: ChangeListener,
  ) {}

  /**
   * Connects and listens. If the database cannot be reached yet, resolves anyway and keeps trying in
   * the background (a node must be able to start while its database is briefly away); the first
   * successful connection then reports "all".
   */
  async start(): Promise<void> {
    try {
      await this.connect(false);
    } catch {
      this.scheduleReconnect();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(afterGap: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    client.on("notification", (msg) => {
      const notice = parseNotice(msg.payload);
      if (!notice || notice.t !== this.table || notice.n === this.node) return;
      this.listener(notice.k === null ? "all" : [notice.k]);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delay = 500;
    // Notices sent while no session was listening are gone: whatever was cached may be stale.
    if (afterGap) this.listener("all");
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.listener("all"); // until we listen again, nothing tells us about changes: stop trusting caches
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect(true).catch(() => this.scheduleReconnect());
    }, this.delay);
    this.retry.unref();
    this.delay = Math.min(this.delay * 2, 10_000);
  }
}
