import { UsageError } from "./usage-error.js";

/** Where `@file` and `-` values come from. */
export interface DataSources {
  readStdin(): Promise<string>;
  readFile(path: string): Promise<string>;
}

/**
 * Vault's key/value arguments: `k=v`, `k=@file` (the file's contents), `k=-` (stdin), and whole-object
 * forms `-` (a JSON object on stdin) and `@file.json`. A key given twice becomes a list, as in vault.
 */
export async function parseDataArgs(
  args: readonly string[],
  sources: DataSources,
): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const arg of args) {
    if (arg === "-") {
      mergeObject(result, await sources.readStdin(), "stdin");
      continue;
    }
    if (arg.startsWith("@")) {
      mergeObject(result, await sources.readFile(arg.slice(1)), arg.slice(1));
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new UsageError(`invalid key/value pair "${arg}": format must be key=value`);
    const key = arg.slice(0, eq);
    const raw = arg.slice(eq + 1);
    const value =
      raw === "-"
        ? await sources.readStdin()
        : raw.startsWith("@")
          ? await sources.readFile(raw.slice(1))
          : raw;
    addValue(result, key, value);
  }
  return result;
}

function addValue(target: Record<string, unknown>, key: string, value: unknown): void {
  if (!Object.hasOwn(target, key)) {
    target[key] = value;
    return;
  }
  const existing = target[key];
  target[key] = Array.isArray(existing) ? [...(existing as unknown[]), value] : [existing, value];
}

function mergeObject(target: Record<string, unknown>, text: string, source: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${source} does not hold a JSON object`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${source} does not hold a JSON object`);
  }
  for (const [key, value] of Object.entries(parsed)) target[key] = value;
}

/** `-versions=1,2 -versions 3` -> [1, 2, 3]. */
export function parseVersions(values: readonly string[] | undefined): number[] {
  const versions: number[] = [];
  for (const item of (values ?? []).flatMap((v) => v.split(","))) {
    const trimmed = item.trim();
    if (trimmed === "") continue;
    if (!/^\d+$/.test(trimmed)) throw new UsageError(`invalid version "${trimmed}"`);
    versions.push(Number(trimmed));
  }
  return versions;
}
