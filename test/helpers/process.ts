/** Runs the real `secrethub` executable (TypeScript source through tsx) as a child process. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
}

export function secrethubArgs(args: string[]): string[] {
  return ["--import", "tsx", `${root}src/bin/secrethub.ts`, ...args];
}

/** The built executable (`npm run build`), as `npm start` runs it: what benchmarks must measure. */
export function builtSecrethubArgs(args: string[]): string[] {
  return [`${root}dist/bin/secrethub.js`, ...args];
}

/** Starts `secrethub server ...` and resolves once it prints its address. */
export async function spawnServer(
  args: string[],
  env: Record<string, string> = {},
  ready: RegExp = /listening on/,
  opts: { built?: boolean } = {},
): Promise<ServerProcess> {
  const argv = opts.built ? builtSecrethubArgs(["server", ...args]) : secrethubArgs(["server", ...args]);
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const check = (): void => {
      const m = /listening on (http\S+)/.exec(out);
      if (m?.[1] && ready.test(out)) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return { child, url, output: () => out };
}

export async function runSecrethub(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, secrethubArgs(args), {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  return { code, stdout, stderr };
}
