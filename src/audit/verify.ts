/**
 * Verifies a device's hash chain, streaming: `push` each line (or stored entry) in order, then
 * `finish`. Reports the first problem with its line, classified as the operator will ask about it:
 * a modified entry, missing entries (deleted), entries out of order, an inserted entry, a truncated
 * tail (against a checkpoint), or a line that is not an entry at all. Pruning by the retention job is
 * recognized by its chained `prune` record, so it never reads as tampering.
 */
import { chainFields, entryHash, GENESIS_HASH, type ChainHead } from "./hash-chain.js";
import { isJsonObject, type JsonObject } from "./json.js";

export type Problem =
  "malformed" | "modified" | "missing" | "reordered" | "inserted" | "truncated" | "checkpoint_mismatch";

export interface Location {
  /** 1-based line (or row position) within `file`. */
  readonly line: number;
  readonly file?: string;
}

export type VerifyIntact = {
  intact: true;
  entries: number;
  first_seq: number;
  last_seq: number;
  /** Entries up to this seq were removed by retention, as the chain records (0: none). */
  pruned_through: number;
  checkpoint: { seq: number; hash: string; status: "matched" | "pruned" } | null;
};

export type VerifyBroken = {
  intact: false;
  problem: Problem;
  line: number;
  file?: string;
  seq: number | null;
  message: string;
  entries_checked: number;
};

export type VerifyReport = VerifyIntact | VerifyBroken;

interface Seen {
  readonly seq: number;
  readonly hash: string;
  readonly prevHash: string;
  readonly at: Location;
}

type Pending =
  | { kind: "gap"; at: Location; seq: number; expected: number }
  | { kind: "duplicate"; at: Location; seq: number; hash: string; previous: Seen };

export function where(at: Location): string {
  return at.file === undefined ? `line ${at.line}` : `${at.file}:${at.line}`;
}

export class ChainVerifier {
  private count = 0;
  private first: Seen | undefined;
  private last: Seen | undefined;
  private broken: VerifyBroken | undefined;
  private pending: Pending | undefined;
  private checkpointSeen = false;
  private readonly prunes: ChainHead[] = [];

  /** `prefix`: the device's line prefix, stripped before parsing. */
  constructor(private readonly opts: { readonly checkpoint?: ChainHead; readonly prefix?: string } = {}) {}

  push(text: string, at: Location): void {
    if (this.broken) return;
    if (text.trim() === "") return;
    const parsed = this.parse(text);
    if (this.pending) {
      this.classify(parsed, at);
      return;
    }
    if (!parsed)
      return this.fail(
        "malformed",
        at,
        null,
        "not an audit entry (unparseable JSON or missing chain fields)",
      );
    const { entry, seq, prevHash, hash } = parsed;
    if (entryHash(entry) !== hash)
      return this.fail("modified", at, seq, "entry content does not match its hash: modified");
    const current: Seen = { seq, hash, prevHash, at };
    const last = this.last;
    if (!last) {
      this.first = current;
    } else if (seq === last.seq + 1) {
      if (prevHash !== last.hash) {
        return this.fail(
          "modified",
          last.at,
          last.seq,
          `entry differs from the one the next entry (${where(at)}) chains to: modified`,
        );
      }
    } else if (seq > last.seq + 1) {
      this.pending = { kind: "gap", at, seq, expected: last.seq + 1 };
      return;
    } else if (seq === last.seq) {
      this.pending = { kind: "duplicate", at, seq, hash, previous: last };
      return;
    } else {
      return this.fail("inserted", at, seq, `seq ${seq} after seq ${last.seq}: inserted or replayed entry`);
    }
    this.accept(current, entry);
  }

  finish(): VerifyReport {
    const pending = this.pending;
    if (!this.broken && pending?.kind === "gap") {
      const range =
        pending.expected === pending.seq - 1
          ? `${pending.expected}`
          : `${pending.expected}-${pending.seq - 1}`;
      this.fail(
        "missing",
        pending.at,
        pending.seq,
        `entries with seq ${range} are missing before this line: deleted`,
      );
    } else if (!this.broken && pending?.kind === "duplicate") {
      this.fail("inserted", pending.at, pending.seq, `seq ${pending.seq} appears twice: inserted entry`);
    }
    const headProblem = this.checkHead();
    if (headProblem) return headProblem;
    if (this.broken) return this.broken;
    return this.checkTail();
  }

  private parse(
    text: string,
  ): { entry: JsonObject; seq: number; prevHash: string; hash: string } | undefined {
    const prefix = this.opts.prefix ?? "";
    if (!text.startsWith(prefix)) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text.slice(prefix.length));
    } catch {
      return undefined;
    }
    if (!isJsonObject(value)) return undefined;
    const fields = chainFields(value);
    return fields ? { entry: value, ...fields } : undefined;
  }

  private accept(current: Seen, entry: JsonObject): void {
    this.count++;
    this.last = current;
    const cp = this.opts.checkpoint;
    if (cp && current.seq === cp.seq) {
      this.checkpointSeen = true;
      if (current.hash !== cp.hash) {
        this.fail(
          "checkpoint_mismatch",
          current.at,
          current.seq,
          "entry differs from the stored checkpoint: chain rewritten",
        );
      }
    }
    const prune = entry.prune;
    if (entry.type === "prune" && isJsonObject(prune)) {
      const { through_seq: seq, through_hash: hash } = prune;
      if (typeof seq === "number" && typeof hash === "string") this.prunes.push({ seq, hash });
    }
  }

  /** After an out-of-sequence line: later lines tell a reordering from a deletion or insertion. */
  private classify(next: { seq: number; prevHash: string } | undefined, at: Location): void {
    const p = this.pending;
    if (!p) return;
    if (p.kind === "gap") {
      if (next?.seq !== p.expected) return;
      this.pending = undefined;
      this.fail(
        "reordered",
        p.at,
        p.seq,
        `out of order: seq ${p.seq} where seq ${p.expected} was expected (found at ${where(at)})`,
      );
      return;
    }
    this.pending = undefined;
    if (next?.prevHash === p.hash) {
      // The chain continues from the second copy: the first one is the intruder.
      this.fail(
        "inserted",
        p.previous.at,
        p.previous.seq,
        `inserted entry: seq ${p.seq} is repeated at ${where(p.at)}, which the chain continues from`,
      );
    } else {
      this.fail("inserted", p.at, p.seq, `seq ${p.seq} appears twice: inserted entry`);
    }
  }

  /** The first entry must be seq 1, or follow what a recorded prune removed. */
  private checkHead(): VerifyBroken | undefined {
    const first = this.first;
    if (!first) return undefined;
    if (first.seq === 1 && first.prevHash === GENESIS_HASH) return undefined;
    if (this.prunes.some((p) => p.seq === first.seq - 1 && p.hash === first.prevHash)) return undefined;
    if (first.seq === 1) return this.report("modified", first.at, 1, "first entry does not start the chain");
    return this.report(
      "missing",
      first.at,
      first.seq,
      `log starts at seq ${first.seq}: entries 1-${first.seq - 1} are missing and no retention record covers them`,
    );
  }

  private checkTail(): VerifyReport {
    const cp = this.opts.checkpoint;
    const first = this.first;
    const last = this.last;
    if (cp && cp.seq > (last?.seq ?? 0)) {
      const at = last?.at ?? { line: 0 };
      return this.report(
        "truncated",
        at,
        last?.seq ?? null,
        `log ends at seq ${last?.seq ?? 0} but the checkpoint records seq ${cp.seq}: tail truncated`,
      );
    }
    const prunedThrough = first ? first.seq - 1 : 0;
    return {
      intact: true,
      entries: this.count,
      first_seq: first?.seq ?? 0,
      last_seq: last?.seq ?? 0,
      pruned_through: prunedThrough,
      checkpoint:
        cp && cp.seq > 0
          ? { seq: cp.seq, hash: cp.hash, status: this.checkpointSeen ? "matched" : "pruned" }
          : null,
    };
  }

  private fail(problem: Problem, at: Location, seq: number | null, message: string): void {
    this.broken ??= this.report(problem, at, seq, message);
  }

  private report(problem: Problem, at: Location, seq: number | null, message: string): VerifyBroken {
    return {
      intact: false,
      problem,
      line: at.line,
      ...(at.file === undefined ? {} : { file: at.file }),
      seq,
      message: `${where(at)}: ${message}`,
      entries_checked: this.count,
    };
  }
}
