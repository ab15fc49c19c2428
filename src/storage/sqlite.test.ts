import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStorage } from "./sqlite.js";
import { StorageUnavailable } from "./storage.js";
import { runStorageContract } from "./storage.contract.js";

const dir = mkdtempSync(join(tmpdir(), "secrethub-sqlite-"));
let n = 0;
const freshPath = () => join(dir, `nested/dir/db-${++n}.db`);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

runStorageContract("sqlite", () => new SqliteStorage(freshPath()));

describe("SqliteStorage", () => {
  it("uses WAL with synchronous=FULL and persists across reopen", async () => {
    const path = freshPath();
    const s = new SqliteStorage(path);
    await s.put("k", new TextEncoder().encode("v"));
    await s.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    const again = SqliteStorage.open(path);
    expect(Buffer.from((await again.get("k"))!).toString()).toBe("v");
    await again.close();
  });

  it("rolls back a transaction the engine fails half-way", async () => {
    const path = freshPath();
    const s = new SqliteStorage(path);
    await s.put("keep", new Uint8Array([1]));
    const other = new Database(path);
    other.exec(
      "CREATE TRIGGER boom BEFORE INSERT ON kv WHEN NEW.key = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
    );
    other.close();
    const failing = s.transaction([
      { kind: "put", key: "first", value: new Uint8Array([2]) },
      { kind: "delete", key: "keep" },
      { kind: "put", key: "boom", value: new Uint8Array([3]) },
    ]);
    await expect(failing).rejects.toBeInstanceOf(StorageUnavailable);
    await expect(failing).rejects.toThrow(/^sqlite: transaction failed$/);
    expect(await s.get("first")).toBeUndefined();
    expect(await s.get("keep")).toEqual(new Uint8Array([1]));
    await s.close();
  });

  it("reports engine errors as StorageUnavailable without key text", async () => {
    const s = new SqliteStorage(freshPath());
    await s.close();
    await expect(s.get("secret-key-name")).rejects.toBeInstanceOf(StorageUnavailable);
    await expect(s.get("secret-key-name")).rejects.not.toThrow(/secret-key-name/);
    await expect(s.ping()).rejects.toBeInstanceOf(StorageUnavailable);
    await s.close();
  });

  it("fails to open an unusable path with StorageUnavailable", () => {
    const file = join(dir, "plain-file");
    writeFileSync(file, "");
    expect(() => new SqliteStorage(join(file, "below-a-file.db"))).toThrow(StorageUnavailable);
  });

  it("keeps an acknowledged write after kill -9", async () => {
    const path = freshPath();
    const moduleUrl = new URL("./sqlite.ts", import.meta.url).href;
    const script = `
      const { SqliteStorage } = await import(process.env.SH_MODULE);
      const s = new SqliteStorage(process.env.SH_DB);
      await s.put("durable/key", new TextEncoder().encode("survives"));
      process.stdout.write("written\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      env: { ...process.env, SH_MODULE: moduleUrl, SH_DB: path },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_code, sig) => res(sig)));
    await new Promise<void>((res, rej) => {
      child.stdout.on("data", (d: Buffer) => {
        if (d.toString().includes("written")) res();
      });
      child.on("exit", () => rej(new Error(`child exited early: ${stderr}`)));
    });
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const s = new SqliteStorage(path);
    expect(Buffer.from((await s.get("durable/key"))!).toString()).toBe("survives");
    await s.close();
  });
});
