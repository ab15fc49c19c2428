/**
 * The CLI's only door to the terminal: every line the CLI prints goes through `Output`, which writes to
 * the `CliIo` it was given. `processIo()` is the one place that touches process.stdout/stderr/stdin.
 * Invariant: nothing here decides what is safe to print; callers redact tokens before printing.
 */
import { homedir } from "node:os";

/** What the CLI needs from its surroundings; tests pass a captured one. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  env: Record<string, string | undefined>;
  homeDir: string;
  /** Optional transport override (embedding, tests); defaults to global fetch. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

export class Output {
  constructor(private readonly io: Pick<CliIo, "stdout" | "stderr">) {}

  /** One or more lines; a trailing newline is added. */
  print(text: string): void {
    this.io.stdout(`${text}\n`);
  }

  /** Exactly `text`, no newline (the `-field` contract, for scripts). */
  raw(text: string): void {
    this.io.stdout(text);
  }

  json(value: unknown): void {
    this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  }

  success(message: string): void {
    this.print(`Success! ${message}`);
  }

  /** "Error: <message>" on one line of stderr. */
  error(message: string): void {
    this.io.stderr(`Error: ${oneLine(message)}\n`);
  }

  warn(message: string): void {
    this.io.stderr(`WARNING! ${oneLine(message)}\n`);
  }

  /** Unformatted stderr text (commander's usage messages). */
  stderrRaw(text: string): void {
    this.io.stderr(text);
  }

  stdoutRaw(text: string): void {
    this.io.stdout(text);
  }
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/** The real terminal, for src/bin. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) {
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      }
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    homeDir: homedir(),
  };
}
