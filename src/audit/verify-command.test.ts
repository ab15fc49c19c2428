import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chainEntry, EMPTY_HEAD, type ChainHead } from "./hash-chain.js";
import { runAuditVerify } from "./verify-command.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "secrethub-verify-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeLog(
  name: string,
  n: number,
  start: ChainHead = EMPTY_HEAD,
  prefix = "",
): { path: string; head: ChainHead } {
  let head = start;
  let text = "";
  for (let i = 0; i < n; i++) {
    const c = chainEntry({ type: "request", i: head.seq + i }, head);
    text += `${prefix}${c.json}\n`;
    head = c;
  }
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, head };
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runAuditVerify(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe("secrethub audit verify", () => {
  it("reports an intact log with counts, and says when no checkpoint was given", async () => {
    const { path } = writeLog("audit.log", 5);
    const r = await run([path]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/intact: 5 entries \(seq 1-5\); no checkpoint given/);
  });

  it("checks the tail against -checkpoint and -checkpoint-file", async () => {
    const { path, head } = writeLog("audit.log", 5);
    expect((await run([`-checkpoint=${head.seq}:${head.hash}`, path])).out).toMatch(
      /checkpoint seq 5 matched/,
    );
    const saved = join(dir, "cp.json");
    writeFileSync(saved, JSON.stringify({ request_id: "x", data: { seq: 5, hash: head.hash, time: "t" } }));
    const lines = readFileSync(path, "utf8").split("\n");
    writeFileSync(path, `${lines.slice(0, 3).join("\n")}\n`);
    const r = await run(["-checkpoint-file", saved, path]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(
      /BROKEN \(truncated\) at .*audit\.log:3: log ends at seq 3 but the checkpoint records seq 5/,
    );
  });

  it("names the broken line, as text or JSON", async () => {
    const { path } = writeLog("audit.log", 6);
    const lines = readFileSync(path, "utf8").split("\n");
    lines.splice(3, 1);
    writeFileSync(path, lines.join("\n"));
    const r = await run([path]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${path}:4: entries with seq 4 are missing`);
    const j = await run(["-format=json", path]);
    expect(JSON.parse(j.out)).toMatchObject({
      intact: false,
      problem: "missing",
      line: 4,
      file: path,
      seq: 5,
    });
  });

  it("verifies rotated files as one chain, with a prefix", async () => {
    const old = writeLog("audit.log.1", 3, EMPTY_HEAD, "AUDIT ");
    const cur = writeLog("audit.log", 2, old.head, "AUDIT ");
    const r = await run(["--prefix=AUDIT ", old.path, cur.path]);
    expect(r.out).toMatch(/intact: 5 entries/);
    const alone = await run(["-prefix", "AUDIT ", cur.path]);
    expect(alone.code).toBe(2);
    expect(alone.out).toMatch(/entries 1-3 are missing/);
  });

  it("explains usage and I/O errors with exit status 1", async () => {
    for (const argv of [[], ["-checkpoint=bad", "x"], ["-bogus", "x"], ["-prefix"]]) {
      const r = await run(argv);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/Usage: secrethub audit verify/);
    }
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{}");
    const { path } = writeLog("a.log", 1);
    expect((await run(["-checkpoint-file", bad, path])).err).toMatch(/does not hold a checkpoint/);
    const missing = await run([join(dir, "none.log")]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ENOENT/);
  });
});
