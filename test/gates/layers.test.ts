// The layering gate itself: dependency-cruiser, run with our real config, reports a wrong import in a
// temporary tree (never in ours) and accepts the same tree without it.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "secrethub-layers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const base = mkdtempSync(join(dir, "t-"));
  cpSync(join(root, ".dependency-cruiser.cjs"), join(base, ".dependency-cruiser.cjs"));
  writeFileSync(
    join(base, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(base, path, ".."), { recursive: true });
    writeFileSync(join(base, path), text);
  }
  return base;
}

async function cruise(base: string): Promise<{ ok: boolean; output: string }> {
  const bin = join(root, "node_modules", ".bin", "depcruise");
  try {
    const r = await run(bin, ["src", "--config", ".dependency-cruiser.cjs"], { cwd: base });
    return { ok: true, output: r.stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("layering gate", () => {
  it("accepts imports that flow downward", async () => {
    const base = tree({
      "src/core/errors.ts": "export const e = 1;\n",
      "src/sys/index.ts": 'import { e } from "../core/errors.js";\nexport const s = e;\n',
      "src/client/index.ts": "export const c = 1;\n",
      "src/cli/main.ts": 'import { c } from "../client/index.js";\nexport const m = c;\n',
    });
    const r = await cruise(base);
    expect(r.ok, r.output).toBe(true);
  });

  it("reports the CLI importing core internals", async () => {
    const base = tree({
      "src/core/errors.ts": "export const e = 1;\n",
      "src/cli/main.ts": 'import { e } from "../core/errors.js";\nexport const m = e;\n',
    });
    const r = await cruise(base);
    expect(r.ok).toBe(false);
    expect(r.output).toContain("cli-imports-only-client");
  });

  it("reports storage importing anything of ours, engines reaching storage, and cycles", async () => {
    const base = tree({
      "src/crypto/aead.ts": "export const a = 1;\n",
      "src/storage/sqlite.ts": 'import { a } from "../crypto/aead.js";\nexport const s = a;\n',
      "src/engines/kv/index.ts": 'import { s } from "../../storage/sqlite.js";\nexport const k = s;\n',
      "src/core/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "src/core/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
    });
    const r = await cruise(base);
    expect(r.ok).toBe(false);
    expect(r.output).toContain("storage-imports-nothing-of-ours");
    expect(r.output).toContain("backends-never-reach-http-server-storage");
    expect(r.output).toContain("no-cycles");
  });
});
