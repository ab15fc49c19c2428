import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chainEntry, EMPTY_HEAD, type ChainedEntry, type ChainHead } from "./hash-chain.js";
import { DiscardSink, fileChainHead, FileSink, StdoutSink } from "./sink-file.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "secrethub-audit-file-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function entries(n: number, start: ChainHead = EMPTY_HEAD): ChainedEntry[] {
  const out: ChainedEntry[] = [];
  let head = start;
  for (let i = 0; i < n; i++) {
    const c = chainEntry({ type: "request", i }, head);
    out.push(c);
    head = c;
  }
  return out;
}

async function collect(sink: FileSink): Promise<string[]> {
  const out: string[] = [];
  for await (const { text } of sink.readBack()) out.push(text);
  return out;
}

describe("FileSink", () => {
  it("appends one prefixed JSON line per entry with the requested mode and reads them back", async () => {
    const path = join(dir, "audit.log");
    const sink = new FileSink({ path, mode: 0o640, prefix: "sh: " });
    expect(await sink.open()).toBeUndefined();
    const batch = entries(3);
    await sink.write(batch);
    expect(readFileSync(path, "utf8")).toBe(batch.map((e) => `sh: ${e.json}\n`).join(""));
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(await collect(sink)).toEqual(batch.map((e) => `sh: ${e.json}`));
    await sink.close();
  });

  it("finds the chain head at the end of an existing file, skipping a torn last line", async () => {
    const path = join(dir, "audit.log");
    const batch = entries(5);
    writeFileSync(path, `${batch.map((e) => e.json).join("\n")}\n{"seq":6,"trunc`);
    expect(await fileChainHead(path, "")).toEqual({ seq: 5, hash: batch[4]?.hash });
    expect(await fileChainHead(join(dir, "none.log"), "")).toBeUndefined();
    writeFileSync(path, "garbage\n\n");
    expect(await fileChainHead(path, "")).toBeUndefined();
  });

  it("reads the head from the tail of a large file without reading it all", async () => {
    const path = join(dir, "big.log");
    const filler = `${"x".repeat(1000)}\n`.repeat(3000);
    const last = entries(1)[0];
    writeFileSync(path, `${filler}${last?.json}\n`);
    expect(await fileChainHead(path, "")).toEqual({ seq: 1, hash: last?.hash });
  });

  it("leaves the mode alone when mode is undefined (Vault's 0000)", async () => {
    const path = join(dir, "keep.log");
    writeFileSync(path, "", { mode: 0o644 });
    const sink = new FileSink({ path, mode: undefined, prefix: "" });
    await sink.open();
    expect(statSync(path).mode & 0o777).toBe(0o644);
    await sink.close();
  });

  it("follows a rotated file: writes continue in a new file at the path", async () => {
    const path = join(dir, "audit.log");
    const sink = new FileSink({ path, mode: 0o600, prefix: "" });
    await sink.open();
    const [a, b] = entries(2);
    if (!a || !b) throw new Error("no entries");
    await sink.write([a]);
    renameSync(path, `${path}.1`);
    await sink.write([b]);
    expect(readFileSync(`${path}.1`, "utf8")).toBe(`${a.json}\n`);
    expect(readFileSync(path, "utf8")).toBe(`${b.json}\n`);
    await sink.close();
  });

  it("fails writes once the path cannot be opened, even for root", async () => {
    const logs = join(dir, "logs");
    mkdirSync(logs);
    const path = join(logs, "audit.log");
    const sink = new FileSink({ path, mode: 0o600, prefix: "" });
    await sink.open();
    rmSync(logs, { recursive: true });
    await expect(sink.write(entries(1))).rejects.toThrow();
    // Replaced by a directory.
    mkdirSync(path, { recursive: true });
    await expect(sink.write(entries(1))).rejects.toThrow();
    await sink.close();
  });

  it("cannot open below a regular file", async () => {
    writeFileSync(join(dir, "file"), "");
    const sink = new FileSink({ path: join(dir, "file", "audit.log"), mode: 0o600, prefix: "" });
    await expect(sink.open()).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});

describe("StdoutSink and DiscardSink", () => {
  it("writes prefixed lines to the stream", async () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (d: Buffer) => (text += d.toString()));
    const sink = new StdoutSink("p ", out);
    expect(await sink.open()).toBeUndefined();
    const batch = entries(2);
    await sink.write(batch);
    await sink.close();
    expect(text).toBe(batch.map((e) => `p ${e.json}\n`).join(""));
  });

  it("fails when the stream does", async () => {
    const out = new PassThrough();
    out.destroy();
    await expect(new StdoutSink("", out).write(entries(1))).rejects.toThrow();
  });

  it("discards everything", async () => {
    const sink = new DiscardSink();
    expect(await sink.open()).toBeUndefined();
    await sink.write();
    await sink.close();
  });
});
