import { describe, expect, it } from "vitest";
import { formatLine, prettyStream } from "./pretty.js";

describe("formatLine", () => {
  it("prints time, level, message and the remaining fields", () => {
    const line = JSON.stringify({
      level: "info",
      time: "2026-01-02T03:04:05.678Z",
      pid: 1,
      hostname: "h",
      reqId: "abc",
      mount: "secret/",
      note: "two words",
      msg: "request completed",
    });
    expect(formatLine(line)).toBe(
      '03:04:05.678 INFO  request completed reqId=abc mount=secret/ note="two words"\n',
    );
  });

  it("understands pino's numeric levels and epoch times, and colours only when asked", () => {
    const line = JSON.stringify({ level: 50, time: Date.UTC(2026, 0, 1, 12, 0, 0), msg: "bad" });
    expect(formatLine(line)).toBe("12:00:00.000 ERROR bad\n");
    expect(formatLine(line, true)).toBe("12:00:00.000 \x1b[31mERROR\x1b[0m bad\n");
  });

  it("prints an error's stack indented below the line", () => {
    const line = JSON.stringify({
      level: "error",
      msg: "request failed",
      err: { message: "x", stack: "Error: x\n  at f" },
    });
    expect(formatLine(line)).toBe("--:--:--.--- ERROR request failed\n    Error: x\n      at f\n");
  });

  it("passes through what is not a JSON object", () => {
    expect(formatLine("not json")).toBe("not json\n");
    expect(formatLine("[1,2]")).toBe("[1,2]\n");
  });

  it("splits chunks holding several lines", () => {
    const out: string[] = [];
    const s = prettyStream({ write: (c: string) => out.push(c) }, false);
    s.write(`${JSON.stringify({ level: 30, msg: "a" })}\n${JSON.stringify({ level: 40, msg: "b" })}\n`);
    expect(out.map((l) => l.slice(13))).toEqual(["INFO  a\n", "WARN  b\n"]);
  });
});
