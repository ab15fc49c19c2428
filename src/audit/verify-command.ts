/**
 * `secrethub audit verify [-checkpoint=SEQ:HASH | -checkpoint-file=FILE] [-prefix=STR] [-format=json]
 * FILE...`: verifies a file device's hash chain offline. Several files are read as one chain, in the
 * order given (rotated logs: oldest first). The checkpoint comes from `GET sys/audit/checkpoint/:device`
 * (its JSON response can be saved and passed with -checkpoint-file); without one, the tail cannot
 * be checked for truncation. Exit status: 0 intact, 2 broken, 1 usage or I/O error.
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import { checkpointSchema } from "./device-config.js";
import type { ChainHead } from "./hash-chain.js";
import { isJsonObject } from "./json.js";
import { ChainVerifier, type VerifyReport } from "./verify.js";

export interface VerifyCommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const USAGE =
  "Usage: secrethub audit verify [-checkpoint=SEQ:HASH | -checkpoint-file=FILE] [-prefix=STR] [-format=json] FILE...\n";

interface Args {
  files: string[];
  checkpoint?: ChainHead;
  checkpointFile?: string;
  prefix: string;
  json: boolean;
}

class UsageError extends Error {}

function parseCheckpoint(text: string): ChainHead {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!m) throw new UsageError("-checkpoint must be SEQ:HASH (from GET sys/audit/checkpoint/:device)");
  return { seq: Number(m[1]), hash: m[2] ?? "" };
}

function parseArgs(argv: readonly string[]): Args {
  const out: Args = { files: [], prefix: "", json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("-") || arg === "-") {
      out.files.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq === -1 ? body : body.slice(0, eq);
    const value = (): string => {
      const v = eq === -1 ? argv[++i] : body.slice(eq + 1);
      if (v === undefined) throw new UsageError(`flag -${name} needs a value`);
      return v;
    };
    if (name === "checkpoint") out.checkpoint = parseCheckpoint(value());
    else if (name === "checkpoint-file") out.checkpointFile = value();
    else if (name === "prefix") out.prefix = value();
    else if (name === "format") out.json = value() === "json";
    else throw new UsageError(`unknown flag -${name}`);
  }
  if (out.files.length === 0) throw new UsageError("no audit log file given");
  return out;
}

/** Reads a saved `GET sys/audit/checkpoint/:device` response (the envelope or just its data). */
async function readCheckpointFile(path: string): Promise<ChainHead> {
  const value: unknown = JSON.parse(await readFile(path, "utf8"));
  const data = isJsonObject(value) && isJsonObject(value.data) ? value.data : value;
  const cp = checkpointSchema.safeParse(data);
  if (!cp.success) throw new UsageError(`${path} does not hold a checkpoint (seq, hash, time)`);
  return { seq: cp.data.seq, hash: cp.data.hash };
}

export async function verifyFiles(
  files: readonly string[],
  opts: { checkpoint?: ChainHead; prefix?: string },
): Promise<VerifyReport> {
  const verifier = new ChainVerifier(opts);
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
    let line = 0;
    for await (const text of lines)
      verifier.push(text, { line: ++line, file: files.length > 1 ? basename(file) : file });
  }
  return verifier.finish();
}

function describe(r: VerifyReport): string {
  if (!r.intact) {
    return `Audit log BROKEN (${r.problem}) at ${r.message}\n${r.entries_checked} entries verified before it.\n`;
  }
  const range = r.entries === 0 ? "" : ` (seq ${r.first_seq}-${r.last_seq})`;
  const pruned = r.pruned_through > 0 ? `; seq 1-${r.pruned_through} removed by retention, as recorded` : "";
  const cp = r.checkpoint
    ? `; checkpoint seq ${r.checkpoint.seq} ${r.checkpoint.status === "matched" ? "matched" : "covered by retention"}`
    : "; no checkpoint given, so truncation of the tail cannot be ruled out";
  return `Audit log intact: ${r.entries} entries${range}${pruned}${cp}.\n`;
}

export async function runAuditVerify(argv: readonly string[], io: VerifyCommandIo): Promise<number> {
  let report: VerifyReport;
  let json = false;
  try {
    const args = parseArgs(argv);
    json = args.json;
    const checkpoint = args.checkpointFile ? await readCheckpointFile(args.checkpointFile) : args.checkpoint;
    report = await verifyFiles(args.files, { ...(checkpoint ? { checkpoint } : {}), prefix: args.prefix });
  } catch (err) {
    io.stderr(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof UsageError) io.stderr(USAGE);
    return 1;
  }
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
  return report.intact ? 0 : 2;
}
