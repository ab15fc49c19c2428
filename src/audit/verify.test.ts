import { describe, expect, it } from "vitest";
import { chainEntry, EMPTY_HEAD, entryHash, type ChainHead } from "./hash-chain.js";
import type { JsonObject } from "./json.js";
import { ChainVerifier, type VerifyReport } from "./verify.js";

function chain(n: number, start: ChainHead = EMPTY_HEAD): { lines: string[]; head: ChainHead } {
  const lines: string[] = [];
  let head = start;
  for (let i = 0; i < n; i++) {
    const c = chainEntry(
      { type: i % 2 ? "response" : "request", request: { path: `secret/data/${i}` } },
      head,
    );
    lines.push(c.json);
    head = c;
  }
  return { lines, head };
}

function verify(
  lines: readonly string[],
  opts: ConstructorParameters<typeof ChainVerifier>[0] = {},
): VerifyReport {
  const v = new ChainVerifier(opts);
  lines.forEach((text, i) => v.push(text, { line: i + 1 }));
  return v.finish();
}

function hashOf(e: JsonObject): string {
  if (typeof e.hash !== "string") throw new Error("entry without hash");
  return e.hash;
}

function edit(line: string, change: (e: JsonObject) => void, rehash = false): string {
  const e = JSON.parse(line) as JsonObject;
  change(e);
  if (rehash) e.hash = entryHash(e);
  return JSON.stringify(e);
}

describe("ChainVerifier", () => {
  it("accepts an intact chain and counts it", () => {
    const { lines, head } = chain(6);
    expect(verify(lines, { checkpoint: head })).toEqual({
      intact: true,
      entries: 6,
      first_seq: 1,
      last_seq: 6,
      pruned_through: 0,
      checkpoint: { seq: 6, hash: head.hash, status: "matched" },
    });
    expect(verify([])).toMatchObject({ intact: true, entries: 0, checkpoint: null });
    expect(verify([...lines, ""])).toMatchObject({ intact: true, entries: 6 });
  });

  it("names an edited line", () => {
    const { lines } = chain(6);
    lines[3] = edit(lines[3] ?? "", (e) => {
      e.request = { path: "secret/data/other" };
    });
    expect(verify(lines)).toMatchObject({
      intact: false,
      problem: "modified",
      line: 4,
      seq: 4,
      entries_checked: 3,
    });
  });

  it("names an edited line whose own hash was recomputed, from the next line's link", () => {
    const { lines } = chain(6);
    lines[2] = edit(lines[2] ?? "", (e) => (e.type = "forged"), true);
    const r = verify(lines);
    expect(r).toMatchObject({ intact: false, problem: "modified", line: 3, seq: 3 });
  });

  it("names the place of a deleted line and the missing seq", () => {
    const { lines } = chain(6);
    lines.splice(2, 1);
    const r = verify(lines);
    expect(r).toMatchObject({ intact: false, problem: "missing", line: 3, seq: 4 });
    expect(r.intact ? "" : r.message).toContain("seq 3 are missing");
    const two = chain(6).lines;
    two.splice(1, 2);
    expect(verify(two)).toMatchObject({
      problem: "missing",
      line: 2,
      message: expect.stringContaining("seq 2-3"),
    });
  });

  it("tells two swapped lines from a deletion", () => {
    const { lines } = chain(6);
    [lines[2], lines[3]] = [lines[3] ?? "", lines[2] ?? ""];
    const r = verify(lines);
    expect(r).toMatchObject({ intact: false, problem: "reordered", line: 3, seq: 4 });
    expect(r.intact ? "" : r.message).toContain("found at line 4");
  });

  it("names a replayed copy of an earlier line as inserted", () => {
    const { lines } = chain(6);
    lines.splice(4, 0, lines[1] ?? "");
    expect(verify(lines)).toMatchObject({ intact: false, problem: "inserted", line: 5, seq: 2 });
  });

  it("names a forged line that chains correctly as inserted, from the duplicate seq that follows", () => {
    const { lines } = chain(6);
    const prev = JSON.parse(lines[2] ?? "") as JsonObject;
    const forged = chainEntry(
      { type: "request", request: { path: "secret/data/forged" } },
      {
        seq: 3,
        hash: hashOf(prev),
      },
    );
    lines.splice(3, 0, forged.json);
    expect(verify(lines)).toMatchObject({ intact: false, problem: "inserted", line: 4, seq: 4 });
    // At the very end there is no next line to decide: the later copy is blamed.
    const tail = chain(3).lines;
    const last = JSON.parse(tail[1] ?? "") as JsonObject;
    tail.push(chainEntry({ type: "x" }, { seq: 2, hash: hashOf(last) }).json);
    expect(verify(tail)).toMatchObject({ problem: "inserted", line: 4, seq: 3 });
  });

  it("reports a duplicate whose successor chains to neither copy at the second copy", () => {
    const { lines } = chain(6);
    const copy = edit(lines[3] ?? "", (e) => (e.type = "other"), true);
    lines.splice(4, 0, copy);
    lines.splice(5, 1);
    expect(verify(lines)).toMatchObject({ intact: false, problem: "inserted", line: 5 });
  });

  it("rejects lines that are not entries", () => {
    const { lines } = chain(3);
    expect(verify([lines[0] ?? "", "not json", lines[1] ?? ""])).toMatchObject({
      problem: "malformed",
      line: 2,
    });
    expect(verify(['{"seq":1}'])).toMatchObject({ problem: "malformed", line: 1, seq: null });
    expect(verify(["[1,2]"])).toMatchObject({ problem: "malformed" });
  });

  it("detects a deleted head, and a first entry that does not start the chain", () => {
    const { lines } = chain(4);
    expect(verify(lines.slice(2))).toMatchObject({ problem: "missing", line: 1, seq: 3 });
    const fake = chainEntry({ type: "x" }, { seq: 0, hash: "f".repeat(64) }).json;
    expect(verify([fake])).toMatchObject({ problem: "modified", line: 1, seq: 1 });
  });

  it("detects a truncated tail against a checkpoint, and a rewritten chain at the checkpoint", () => {
    const { lines, head } = chain(6);
    const truncated = verify(lines.slice(0, 4), { checkpoint: head });
    expect(truncated).toMatchObject({ intact: false, problem: "truncated", line: 4, seq: 4 });
    expect(verify([], { checkpoint: head })).toMatchObject({ problem: "truncated", line: 0 });
    // A chain rebuilt from scratch is self-consistent; only the checkpoint tells.
    const rebuilt: string[] = [];
    let h: ChainHead = EMPTY_HEAD;
    for (let i = 0; i < 6; i++) {
      const c = chainEntry({ type: "forged", i }, h);
      rebuilt.push(c.json);
      h = c;
    }
    expect(verify(rebuilt)).toMatchObject({ intact: true });
    expect(verify(rebuilt, { checkpoint: head })).toMatchObject({ problem: "checkpoint_mismatch", line: 6 });
  });

  it("accepts a log that starts right after a recorded prune, and only then", () => {
    const all = chain(5);
    const lastPruned = JSON.parse(all.lines[2] ?? "") as JsonObject;
    const prune = chainEntry(
      {
        type: "prune",
        prune: { from_seq: 1, through_seq: 3, through_hash: hashOf(lastPruned), deleted: 3 },
      },
      all.head,
    );
    const kept = [...all.lines.slice(3), prune.json];
    expect(verify(kept, { checkpoint: { seq: 2, hash: "whatever" } })).toMatchObject({
      intact: true,
      entries: 3,
      first_seq: 4,
      pruned_through: 3,
      checkpoint: { seq: 2, status: "pruned" },
    });
    // Deleting one more row than the record says is tampering.
    expect(verify(kept.slice(1))).toMatchObject({ intact: false, problem: "missing", line: 1, seq: 5 });
  });

  it("strips the device prefix and refuses lines without it", () => {
    const { lines } = chain(2);
    expect(
      verify(
        lines.map((l) => `audit: ${l}`),
        { prefix: "audit: " },
      ),
    ).toMatchObject({ intact: true, entries: 2 });
    expect(verify([`audit: ${lines[0]}`, lines[1] ?? ""], { prefix: "audit: " })).toMatchObject({
      problem: "malformed",
      line: 2,
    });
  });

  it("labels lines with their file when given", () => {
    const { lines } = chain(2);
    const v = new ChainVerifier();
    v.push(lines[1] ?? "", { line: 7, file: "audit.log" });
    expect(v.finish()).toMatchObject({
      file: "audit.log",
      line: 7,
      message: expect.stringMatching(/^audit\.log:7: /),
    });
  });
});
