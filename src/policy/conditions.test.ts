import { describe, expect, it } from "vitest";
import type { CheckContext } from "./check.js";
import { compileAcl } from "./compile.js";
import { parsePolicy } from "./parse.js";

const NOON = new Date("2024-06-01T12:00:00Z");

function aclOf(...texts: string[]) {
  return compileAcl(texts.map((text, i) => parsePolicy(`p${i}`, text)));
}

function conditional(conditions: string, capabilities = `["read"]`, path = "secret/*"): string {
  return `path "${path}" {\n capabilities = ${capabilities}\n conditions {\n ${conditions}\n }\n}`;
}

function at(remoteAddress: string, now: Date = NOON): CheckContext {
  return { remoteAddress, now };
}

describe("source_ip", () => {
  const acl = aclOf(conditional(`source_ip = ["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"]`));
  const read = (address: string) => acl.check("secret/x", "read", at(address));

  it.each([
    ["10.1.2.3"],
    ["10.255.255.255"],
    ["::ffff:10.1.2.3"],
    ["2001:db8::1"],
    ["2001:db8:ffff::5"],
    ["192.168.1.7"],
    ["2001:db8::9%eth0"],
  ])("grants from %s", (address) => {
    expect(read(address).allowed).toBe(true);
  });

  it.each([["11.0.0.1"], ["192.168.1.8"], ["2001:db9::1"], ["::1"], ["::ffff:11.0.0.1"]])(
    "refuses from %s",
    (address) => {
      expect(read(address)).toMatchObject({
        allowed: false,
        capabilities: [],
        reason: "policy conditions not met (source_ip)",
      });
    },
  );

  it.each([[""], ["not-an-ip"], ["10.0.0.1:8200"], ["10.0.0.0/8"]])(
    "fails closed on the unparsable address %j",
    (address) => {
      expect(read(address).allowed).toBe(false);
    },
  );

  it("is reflected by capabilities()", () => {
    expect(acl.capabilities("secret/x", at("10.0.0.1"))).toEqual(["read"]);
    expect(acl.capabilities("secret/x", at("172.16.0.1"))).toEqual(["deny"]);
  });
});

describe("time_of_day", () => {
  const hour = (iso: string) => new Date(iso);

  it("is inclusive of both hours, in UTC by default", () => {
    const acl = aclOf(conditional(`time_of_day = [9, 17]`));
    const read = (iso: string) => acl.check("secret/x", "read", at("10.0.0.1", hour(iso))).allowed;
    expect(read("2024-06-01T09:00:00Z")).toBe(true);
    expect(read("2024-06-01T17:59:59Z")).toBe(true);
    expect(read("2024-06-01T08:59:59Z")).toBe(false);
    expect(read("2024-06-01T18:00:00Z")).toBe(false);
    expect(acl.check("secret/x", "read", at("10.0.0.1", hour("2024-06-01T20:00:00Z"))).reason).toBe(
      "policy conditions not met (time_of_day)",
    );
  });

  it("wraps around midnight", () => {
    const acl = aclOf(conditional(`time_of_day = [22, 6]`));
    const read = (iso: string) => acl.check("secret/x", "read", at("10.0.0.1", hour(iso))).allowed;
    expect(read("2024-06-01T22:00:00Z")).toBe(true);
    expect(read("2024-06-01T23:30:00Z")).toBe(true);
    expect(read("2024-06-02T00:15:00Z")).toBe(true);
    expect(read("2024-06-02T06:59:00Z")).toBe(true);
    expect(read("2024-06-02T07:00:00Z")).toBe(false);
    expect(read("2024-06-01T12:00:00Z")).toBe(false);
    expect(read("2024-06-01T21:59:00Z")).toBe(false);
  });

  it("evaluates in the named time zone, daylight saving included", () => {
    const acl = aclOf(conditional(`time_of_day = [9, 17]\n timezone = "America/New_York"`));
    const read = (iso: string) => acl.check("secret/x", "read", at("10.0.0.1", hour(iso))).allowed;
    expect(read("2024-06-01T13:00:00Z")).toBe(true); // 09:00 EDT
    expect(read("2024-06-01T12:59:00Z")).toBe(false); // 08:59 EDT
    expect(read("2024-06-01T21:59:00Z")).toBe(true); // 17:59 EDT
    expect(read("2024-06-01T22:00:00Z")).toBe(false); // 18:00 EDT
    expect(read("2024-01-15T14:00:00Z")).toBe(true); // 09:00 EST
    expect(read("2024-01-15T13:59:00Z")).toBe(false); // 08:59 EST
  });

  it("wraps around midnight in a time zone ahead of UTC", () => {
    const acl = aclOf(conditional(`time_of_day = [22, 2]\n timezone = "Asia/Tokyo"`));
    const read = (iso: string) => acl.check("secret/x", "read", at("10.0.0.1", hour(iso))).allowed;
    expect(read("2024-06-01T13:00:00Z")).toBe(true); // 22:00 JST
    expect(read("2024-06-01T17:30:00Z")).toBe(true); // 02:30 JST
    expect(read("2024-06-01T18:00:00Z")).toBe(false); // 03:00 JST
    expect(read("2024-06-01T12:00:00Z")).toBe(false); // 21:00 JST
  });

  it("fails closed on an invalid clock", () => {
    const acl = aclOf(conditional(`time_of_day = [0, 23]`));
    expect(acl.check("secret/x", "read", at("10.0.0.1", new Date(Number.NaN))).allowed).toBe(false);
  });

  it("requires every condition of a rule to hold", () => {
    const acl = aclOf(conditional(`source_ip = "10.0.0.0/8"\n time_of_day = [9, 17]`));
    expect(acl.check("secret/x", "read", at("10.0.0.1")).allowed).toBe(true);
    expect(acl.check("secret/x", "read", at("10.0.0.1", hour("2024-06-01T20:00:00Z"))).allowed).toBe(false);
    expect(acl.check("secret/x", "read", at("11.0.0.1", hour("2024-06-01T20:00:00Z"))).reason).toBe(
      "policy conditions not met (source_ip, time_of_day)",
    );
  });
});

describe("conditions and rule selection", () => {
  it("does not fall back to a broader pattern when the winning rule's conditions fail", () => {
    const acl = aclOf(
      `path "secret/*" { capabilities = ["read", "update"] }`,
      conditional(`source_ip = "10.0.0.0/8"`, `["read"]`, "secret/prod/*"),
    );
    expect(acl.check("secret/prod/db", "read", at("10.0.0.1")).allowed).toBe(true);
    expect(acl.check("secret/prod/db", "read", at("192.168.0.1")).allowed).toBe(false);
    expect(acl.check("secret/dev/db", "read", at("192.168.0.1")).allowed).toBe(true);
  });

  it("drops only the rules whose conditions fail when policies share a pattern", () => {
    const acl = aclOf(
      `path "secret/app" { capabilities = ["read"] }`,
      conditional(`source_ip = "10.0.0.0/8"`, `["update"]`, "secret/app"),
    );
    expect(acl.check("secret/app", "update", at("10.0.0.1")).allowed).toBe(true);
    const outside = acl.check("secret/app", "update", at("192.168.0.1"));
    expect(outside).toMatchObject({ allowed: false, capabilities: ["read"] });
    expect(outside.reason).toMatch(/conditions not met \(source_ip\)/);
    expect(acl.check("secret/app", "read", at("192.168.0.1")).allowed).toBe(true);
  });

  it("applies a conditional deny only while its conditions hold", () => {
    const acl = aclOf(
      `path "secret/*" { capabilities = ["read"] }`,
      conditional(`time_of_day = [22, 6]`, `["deny"]`),
    );
    expect(acl.check("secret/x", "read", at("10.0.0.1")).allowed).toBe(true);
    const night = acl.check("secret/x", "read", at("10.0.0.1", new Date("2024-06-01T23:00:00Z")));
    expect(night).toMatchObject({ allowed: false, capabilities: ["deny"] });
  });

  it("keeps a conditional deny in force when the request cannot be evaluated", () => {
    const acl = aclOf(
      `path "secret/*" { capabilities = ["read"] }`,
      conditional(`source_ip = "192.168.0.0/16"`, `["deny"]`),
    );
    expect(acl.check("secret/x", "read", at("10.0.0.1")).allowed).toBe(true);
    expect(acl.check("secret/x", "read", at("192.168.3.4")).allowed).toBe(false);
    expect(acl.check("secret/x", "read", at("garbage"))).toMatchObject({
      allowed: false,
      capabilities: ["deny"],
    });
  });
});
