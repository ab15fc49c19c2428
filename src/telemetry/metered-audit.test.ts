import { describe, expect, it } from "vitest";
import { meteredAudit, type AuditCalls } from "./metered-audit.js";

const record = { fullPath: "secret/data/x" };
type Rec = typeof record;

describe("meteredAudit", () => {
  it("passes successful writes through without counting", async () => {
    const seen: string[] = [];
    const port: AuditCalls<Rec> = {
      logRequest: () => Promise.resolve(void seen.push("request")),
      logResponse: () => Promise.resolve(void seen.push("response")),
    };
    const failures: string[] = [];
    const metered = meteredAudit(port, (stage) => failures.push(stage));
    await metered.logRequest(record);
    await metered.logResponse(record);
    expect(seen).toEqual(["request", "response"]);
    expect(failures).toEqual([]);
  });

  it("counts a refusal per stage and rethrows it, so the pipeline still fails closed", async () => {
    const refusal = new AggregateError([], "no audit device recorded the entry");
    const port: AuditCalls<Rec> = {
      logRequest: () => Promise.reject(refusal),
      logResponse: () => Promise.reject(refusal),
    };
    const failures: string[] = [];
    const metered = meteredAudit(port, (stage) => failures.push(stage));
    await expect(metered.logRequest(record)).rejects.toBe(refusal);
    await expect(metered.logResponse(record)).rejects.toBe(refusal);
    expect(failures).toEqual(["request", "response"]);
  });
});
