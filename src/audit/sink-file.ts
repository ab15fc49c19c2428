/**
 * The `file` device: appends one JSON line per entry to `file_path` (created with `mode`, default
 * 0600), or writes to standard output (`stdout`, `-`), or nowhere (`discard`, as Vault).
 * Before each write it checks that the path still names the file it holds open: a rotated file is
 * reopened (so logrotate works without SIGHUP), and a path that can no longer be opened (directory
 * removed, replaced by a directory) fails the write, which fails the request when no other device
 * records it.
 */
import { createReadStream } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { createInterface } from "node:readline";
import { chainFields, type ChainedEntry, type ChainHead } from "./hash-chain.js";
import { isJsonObject } from "./json.js";
import type { AuditSink, ReadableSink } from "./sink.js";

export interface FileSinkOptions {
  readonly path: string;
  /** Permission bits applied on open; undefined leaves the mode alone (Vault's "0000"). */
  readonly mode: number | undefined;
  readonly prefix: string;
}

const TAIL_WINDOW = 1 << 20;
const TAIL_LIMIT = 64 << 20;

/** The last valid chain entry of `path`, reading backwards from the end; undefined if none. */
export async function fileChainHead(path: string, prefix: string): Promise<ChainHead | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    for (let window = TAIL_WINDOW; ; window *= 4) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      await handle.read(buf, 0, buf.length, start);
      const lines = buf.toString("utf8").split("\n");
      if (start > 0) lines.shift(); // may begin mid-line
      for (let i = lines.length - 1; i >= 0; i--) {
        const head = headOf(lines[i] ?? "", prefix);
        if (head) return head;
      }
      if (start === 0 || window >= TAIL_LIMIT) return undefined;
    }
  } finally {
    await handle.close();
  }
}

function headOf(line: string, prefix: string): ChainHead | undefined {
  if (line.trim() === "" || !line.startsWith(prefix)) return undefined;
  try {
    const value: unknown = JSON.parse(line.slice(prefix.length));
    if (!isJsonObject(value)) return undefined;
    const f = chainFields(value);
    return f ? { seq: f.seq, hash: f.hash } : undefined;
  } catch {
    return undefined;
  }
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === code;
}

function render(entries: readonly ChainedEntry[], prefix: string): string {
  let out = "";
  for (const e of entries) out += `${prefix}${e.json}\n`;
  return out;
}

export class FileSink implements ReadableSink {
  private handle: FileHandle | undefined;
  private identity: { dev: number; ino: number } | undefined;

  constructor(private readonly o: FileSinkOptions) {}

  async open(): Promise<ChainHead | undefined> {
    const head = await fileChainHead(this.o.path, this.o.prefix);
    await this.reopen();
    return head;
  }

  async write(entries: readonly ChainedEntry[]): Promise<void> {
    const handle = await this.current();
    await handle.appendFile(render(entries, this.o.prefix), "utf8");
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    this.identity = undefined;
    await h?.close();
  }

  async *readBack(): AsyncIterable<{ text: string; line: number }> {
    const lines = createInterface({ input: createReadStream(this.o.path, "utf8"), crlfDelay: Infinity });
    let line = 0;
    for await (const text of lines) yield { text, line: ++line };
  }

  /** The open handle, reopened when the path no longer names the file it holds. */
  private async current(): Promise<FileHandle> {
    let same = false;
    try {
      const st = await stat(this.o.path);
      same = st.isFile() && st.dev === this.identity?.dev && st.ino === this.identity.ino;
    } catch {
      same = false;
    }
    if (!same || !this.handle) await this.reopen();
    if (!this.handle) throw new Error("audit file is not open");
    return this.handle;
  }

  private async reopen(): Promise<void> {
    await this.close().catch(() => undefined);
    const handle = await open(this.o.path, "a", this.o.mode ?? 0o600);
    try {
      if (this.o.mode !== undefined) await handle.chmod(this.o.mode);
      const st = await handle.stat();
      if (!st.isFile()) throw new Error("audit file_path is not a regular file");
      this.identity = { dev: st.dev, ino: st.ino };
      this.handle = handle;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
}

/** `file_path=stdout` or `-`: lines on the server's standard output. */
export class StdoutSink implements AuditSink {
  constructor(
    private readonly prefix: string,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  open(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  write(entries: readonly ChainedEntry[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.write(render(entries, this.prefix), (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `file_path=discard`: accepts and drops every entry (for tests and benchmarks, as Vault). */
export class DiscardSink implements AuditSink {
  open(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  write(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
