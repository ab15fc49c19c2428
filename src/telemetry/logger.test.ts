import { describe, expect, it } from "vitest";
import { CENSOR, REDACT_PATHS, createLogger } from "./logger.js";

function capture(isTTY = false): { lines: string[]; write(s: string): void; isTTY: boolean } {
  const lines: string[] = [];
  return { lines, isTTY, write: (s: string) => void lines.push(s) };
}

const SECRET = "s3cr3t-value-4d1f";

describe("createLogger", () => {
  it("writes JSON lines with an ISO time and the level as a word", () => {
    const out = capture();
    createLogger({ level: "info", destination: out }).info({ reqId: "r1", status: 200 }, "request completed");
    const entry = JSON.parse(out.lines.join(""));
    expect(entry).toMatchObject({ level: "info", reqId: "r1", status: 200, msg: "request completed" });
    expect(entry.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("honours the level", () => {
    const out = capture();
    const log = createLogger({ level: "warn", destination: out });
    log.info("hidden");
    log.warn("shown");
    expect(out.lines.join("")).not.toContain("hidden");
    expect(out.lines.join("")).toContain("shown");
  });

  it("censors every sensitive field name at the top level and one object down", () => {
    const out = capture();
    const log = createLogger({ level: "info", destination: out });
    const names = REDACT_PATHS.filter((p) => !p.includes(".") && !p.startsWith("*")).map((p) =>
      p.startsWith('["') ? p.slice(2, -2) : p,
    );
    expect(names).toEqual(
      expect.arrayContaining(["token", "password", "secret_id", "data", "x-vault-token"]),
    );
    for (const name of names) {
      log.info({ [name]: SECRET, nested: { [name]: SECRET } }, `field ${name}`);
    }
    log.info({ req: { headers: { "x-vault-token": SECRET, authorization: `Bearer ${SECRET}` } } }, "headers");
    const text = out.lines.join("");
    expect(out.lines).toHaveLength(names.length + 1);
    expect(text).not.toContain(SECRET);
    expect(text).toContain(CENSOR);
  });

  it("uses the human format on a terminal, or when asked", () => {
    const tty = capture(true);
    createLogger({ level: "info", destination: tty }).info(
      { status: 200, token: SECRET },
      "request completed",
    );
    expect(tty.lines.join("")).toMatch(
      /^\d{2}:\d{2}:\d{2}\.\d{3} .*INFO.* request completed status=200 token=\[REDACTED\]\n$/,
    );
    const forced = capture(false);
    createLogger({ level: "info", destination: forced, format: "pretty" }).warn("careful");
    expect(forced.lines.join("")).toMatch(/ WARN {2}careful\n$/);
    const json = capture(true);
    createLogger({ level: "info", destination: json, format: "json" }).info("plain");
    expect(JSON.parse(json.lines.join(""))).toMatchObject({ msg: "plain" });
  });
});
