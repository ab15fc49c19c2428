import { describe, expect, it } from "vitest";
import { compileAcl } from "./compile.js";
import { PolicyError, parsePolicy, policyFromRules, policyToRules } from "./parse.js";

const HCL = `
# Team B's access
path "secret/+/teamb" {
  capabilities = ["read", "list"]
}
path "/transit/encrypt/*" {
  capabilities = ["update"]
  required_parameters = ["plaintext"]
  allowed_parameters = {
    "Plaintext" = []
    "context" = ["ctx-*"]
  }
  denied_parameters = {
    "key_version" = [1]
  }
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "1h30m"
  conditions {
    source_ip = ["10.0.0.0/8", "2001:db8::/32"]
    time_of_day = [22, 6]
    timezone = "Europe/Paris"
  }
}
`;

const JSON_FORM = JSON.stringify({
  path: {
    "secret/+/teamb": { capabilities: ["read", "list"] },
    "/transit/encrypt/*": {
      capabilities: ["update"],
      required_parameters: ["plaintext"],
      allowed_parameters: { Plaintext: [], context: ["ctx-*"] },
      denied_parameters: { key_version: [1] },
      min_wrapping_ttl: 60,
      max_wrapping_ttl: "5400s",
      conditions: {
        source_ip: ["10.0.0.0/8", "2001:db8::/32"],
        time_of_day: [22, 6],
        timezone: "Europe/Paris",
      },
    },
  },
});

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error("expected a throw");
}

describe("parsePolicy", () => {
  it("reads Vault HCL into rules, keeping the original text", () => {
    const policy = parsePolicy("team-b", HCL);
    expect(policy.name).toBe("team-b");
    expect(policy.raw).toBe(HCL);
    expect(policy.rules).toHaveLength(2);
    const [teamb, transit] = policy.rules;
    expect(teamb).toMatchObject({ path: "secret/+/teamb", capabilities: ["read", "list"] });
    expect(transit?.path).toBe("transit/encrypt/*");
    expect(transit?.requiredParameters).toEqual(["plaintext"]);
    // Parameter names are lower-cased, as Vault stores them.
    expect(transit?.allowedParameters).toEqual(
      new Map<string, unknown[]>([
        ["plaintext", []],
        ["context", ["ctx-*"]],
      ]),
    );
    expect(transit?.deniedParameters).toEqual(new Map([["key_version", [1]]]));
    expect(transit?.minWrappingTtlSeconds).toBe(60);
    expect(transit?.maxWrappingTtlSeconds).toBe(5400);
    expect(transit?.conditions).toEqual({
      sourceIp: ["10.0.0.0/8", "2001:db8::/32"],
      timeOfDay: { startHour: 22, endHour: 6, timezone: "Europe/Paris" },
    });
  });

  it("reads Vault JSON into the same rules as the equivalent HCL", () => {
    expect(parsePolicy("p", JSON_FORM).rules).toEqual(parsePolicy("p", HCL).rules);
  });

  it("maps legacy policy values as Vault does", () => {
    const text = `
      path "a" { policy = "read" }
      path "b" { policy = "write" }
      path "c" { policy = "sudo" }
      path "d" { policy = "deny" }
      path "e" {
        policy = "read"
        capabilities = ["patch"]
      }`;
    const caps = parsePolicy("legacy", text).rules.map((r) => r.capabilities);
    expect(caps).toEqual([
      ["read", "list"],
      ["create", "read", "update", "delete", "list"],
      ["create", "read", "update", "delete", "list", "sudo"],
      ["deny"],
      ["patch", "read", "list"],
    ]);
  });

  it("keeps deny alone when listed with other capabilities", () => {
    const rule = parsePolicy("p", `path "x" { capabilities = ["read", "deny", "sudo"] }`).rules[0];
    expect(rule?.capabilities).toEqual(["deny"]);
  });

  it("accepts every Vault capability, and an empty policy", () => {
    const all = `["create","read","update","patch","delete","list","sudo","subscribe"]`;
    expect(parsePolicy("p", `path "x" { capabilities = ${all} }`).rules[0]?.capabilities).toHaveLength(8);
    expect(parsePolicy("empty", "").rules).toEqual([]);
  });

  it.each([
    [`path "x" { capabilities = ["reed"] }`, /invalid capability "reed"/],
    [`path "x" { policy = "admin" }`, /invalid policy "admin"/],
    [`path "x" { capabilities = ["read" }`, /invalid HCL/],
    [`path "x" {`, /invalid HCL/],
    [`{"path": {"x": {"capabilities": ["read"]}`, /invalid JSON/],
    [`path "x" { capabilities = ["read"] colour = "blue" }`, /unknown key "colour"/],
    [`path "x" { control_group = {} }`, /"control_group" is not supported/],
    [`paths "x" { capabilities = ["read"] }`, /unknown top-level key "paths"/],
    [`path "secret/+*" { capabilities = ["read"] }`, /"\+\*" is forbidden/],
    [`path "secret/{{identity.entity.id}}/*" { capabilities = ["read"] }`, /templated/],
    [`path "x" { capabilities = "read" }`, /capabilities must be a list/],
    [`path "x" { required_parameters = [1] }`, /list of strings/],
    [`path "x" { allowed_parameters = { "a" = "b" } }`, /must be a list/],
    [`path "x" { max_wrapping_ttl = "soon" }`, /max_wrapping_ttl must be a duration/],
    [`{"path": {"x": "read"}}`, /path "x" must be a block/],
    [`{"path": "x"}`, /"path" must be a block/],
    [`["path"]`, /invalid HCL/],
    [`{"path": {"x": {"allowed_parameters": 3}}}`, /allowed_parameters must be an object/],
    [`path "x" {\n min_wrapping_ttl = "2h"\n max_wrapping_ttl = "1h" }`, /cannot be less than/],
  ])("rejects %s", (text, message) => {
    const error = errorOf(() => parsePolicy("bad", text));
    expect(error).toBeInstanceOf(PolicyError);
    expect(error.message).toMatch(message);
  });

  it.each([
    [`source_ip = "10.0.0.0/33"`, /"10.0.0.0\/33" is not an IP or CIDR block/],
    [`source_ip = ["300.1.1.1"]`, /"300.1.1.1" is not an IP/],
    [`source_ip = ["2001:db8::/129"]`, /not an IP or CIDR/],
    [`source_ip = []`, /at least one CIDR/],
    [`time_of_day = [25, 3]`, /hours from 0 to 23/],
    [`time_of_day = [9]`, /\[startHour, endHour\]/],
    [`time_of_day = ["9", "17"]`, /hours from 0 to 23/],
    [`time_of_day = [9.5, 17]`, /hours from 0 to 23/],
    [`time_of_day = [9, 17]\n timezone = "Mars/Olympus_Mons"`, /IANA time zone/],
    [`timezone = "UTC"`, /timezone needs conditions.time_of_day/],
    [`weekday = ["mon"]`, /unknown condition "weekday"/],
  ])("rejects the malformed condition %s", (condition, message) => {
    const text = `path "x" {\n capabilities = ["read"]\n conditions {\n ${condition}\n }\n}`;
    const error = errorOf(() => parsePolicy("bad", text));
    expect(error).toBeInstanceOf(PolicyError);
    expect(error.message).toMatch(message);
  });

  it("accepts a single CIDR string, plain addresses and defaults the time zone to UTC", () => {
    const text = `path "x" {
      capabilities = ["read"]
      conditions {
        source_ip = "192.168.1.7"
        time_of_day = [0, 23]
      }
    }`;
    expect(parsePolicy("p", text).rules[0]?.conditions).toEqual({
      sourceIp: ["192.168.1.7"],
      timeOfDay: { startHour: 0, endHour: 23, timezone: "UTC" },
    });
  });

  it("rejects two conditions blocks on one path", () => {
    const text = `path "x" {
      capabilities = ["read"]
      conditions { source_ip = "10.0.0.0/8" }
      conditions { time_of_day = [0, 1] }
    }`;
    expect(() => parsePolicy("p", text)).toThrow(/only one conditions block/);
  });
});

const RUNBOOK = {
  name: "production",
  rules: [
    {
      path: "prod/*",
      capabilities: ["read"],
      effect: "allow",
      conditions: { time_of_day: [0, 23], source_ip: "10.0.0.0/8" },
    },
    { path: "prod/root-ca", effect: "deny" },
  ],
};

describe("runbook rules", () => {
  it("compiles to the same rules as the equivalent HCL", () => {
    const fromRules = policyFromRules(RUNBOOK.name, RUNBOOK.rules);
    const hcl = parsePolicy(
      "production",
      `path "prod/*" {
        capabilities = ["read"]
        conditions {
          time_of_day = [0, 23]
          source_ip = ["10.0.0.0/8"]
        }
      }
      path "prod/root-ca" { capabilities = ["deny"] }`,
    );
    expect(fromRules.rules).toEqual(hcl.rules);
    expect(JSON.parse(fromRules.raw)).toEqual(RUNBOOK);
  });

  it("enforces effect and conditions once compiled", () => {
    const acl = compileAcl([policyFromRules(RUNBOOK.name, RUNBOOK.rules)]);
    const now = new Date("2024-06-01T12:00:00Z");
    expect(acl.check("prod/db", "read", { remoteAddress: "10.2.3.4", now }).allowed).toBe(true);
    expect(acl.check("prod/db", "read", { remoteAddress: "172.16.0.1", now }).allowed).toBe(false);
    expect(acl.check("prod/root-ca", "read", { remoteAddress: "10.2.3.4", now })).toMatchObject({
      allowed: false,
      capabilities: ["deny"],
    });
  });

  it("treats effect deny as Vault's deny whatever capabilities are listed", () => {
    const policy = policyFromRules("p", [{ path: "x/*", capabilities: ["read"], effect: "deny" }]);
    expect(policy.rules[0]?.capabilities).toEqual(["deny"]);
  });

  it("reads a policy back in runbook form", () => {
    const hcl = parsePolicy("p", HCL);
    const rules = policyToRules(hcl);
    expect(rules[0]).toEqual({ path: "secret/+/teamb", capabilities: ["read", "list"], effect: "allow" });
    expect(rules[1]).toEqual({
      path: "transit/encrypt/*",
      capabilities: ["update"],
      effect: "allow",
      conditions: {
        source_ip: ["10.0.0.0/8", "2001:db8::/32"],
        time_of_day: [22, 6],
        timezone: "Europe/Paris",
      },
      required_parameters: ["plaintext"],
      allowed_parameters: { plaintext: [], context: ["ctx-*"] },
      denied_parameters: { key_version: [1] },
      min_wrapping_ttl: 60,
      max_wrapping_ttl: 5400,
    });
    expect(policyFromRules("p", rules).rules).toEqual(hcl.rules);
    const denied = policyToRules(parsePolicy("d", `path "x" { policy = "deny" }`));
    expect(denied).toEqual([{ path: "x", capabilities: [], effect: "deny" }]);
    expect(policyFromRules("d", denied).rules[0]?.capabilities).toEqual(["deny"]);
  });

  it.each([
    [[{ path: "x", capabilities: ["read"], effect: "maybe" }], /rules\.0\.effect/],
    [[{ path: "x", capabilities: ["read"], colour: "blue" }], /rules\.0/],
    [[{ path: "x", effect: "allow" }], /allow rule needs capabilities/],
    [[{ path: "x", capabilities: ["fly"] }], /invalid capability "fly"/],
    [[{ path: "x", capabilities: ["read"], conditions: { source_ip: "nope" } }], /not an IP/],
    [{ path: "x" }, /rules/],
  ])("rejects malformed runbook rules %#", (rules, message) => {
    const error = errorOf(() => policyFromRules("production", rules));
    expect(error).toBeInstanceOf(PolicyError);
    expect(error.message).toMatch(message);
  });
});
