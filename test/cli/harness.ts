/** Drives runCli in-process with a captured CliIo: a fresh HOME, explicit env, optional stdin. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Cli {
  readonly homeDir: string;
  readonly env: Record<string, string | undefined>;
  run(
    args: string[],
    options?: { stdin?: string; env?: Record<string, string | undefined> },
  ): Promise<CliResult>;
  cleanup(): void;
}

export function makeCli(env: Record<string, string | undefined>): Cli {
  const homeDir = mkdtempSync(join(tmpdir(), "secrethub-cli-home-"));
  return {
    homeDir,
    env,
    async run(args, options = {}) {
      let stdout = "";
      let stderr = "";
      let stdinReads = 0;
      const code = await runCli(args, {
        stdout: (text) => void (stdout += text),
        stderr: (text) => void (stderr += text),
        readStdin: () => {
          stdinReads += 1;
          if (options.stdin === undefined || stdinReads > 1)
            return Promise.reject(new Error("test gave no stdin"));
          return Promise.resolve(options.stdin);
        },
        env: { ...env, ...options.env },
        homeDir,
      });
      return { code, stdout, stderr };
    },
    cleanup() {
      rmSync(homeDir, { recursive: true, force: true });
    },
  };
}
