import { describe, expect, it } from "vitest";
import { BadRequest } from "../core/errors.js";
import { parseFields } from "./fields.js";
import {
  DEFAULT_TOKEN_SETTINGS,
  addressAllowed,
  applyTokenFields,
  cidrsWithin,
  tokenFields,
  tokenGrant,
  tokenSettingsData,
  withPolicies,
} from "./token-fields.js";

const apply = (data: Record<string, unknown>, current = DEFAULT_TOKEN_SETTINGS, allowNumUsesAlias = true) =>
  applyTokenFields(current, parseFields(tokenFields, data), { allowNumUsesAlias });

describe("token fields", () => {
  it("accepts Vault's deprecated aliases, the token_* name winning", () => {
    const s = apply({
      policies: "A, b",
      ttl: "24h",
      max_ttl: "48h",
      period: 60,
      num_uses: 2,
      bound_cidrs: "10.0.0.0/8",
    });
    expect(s).toEqual({
      policies: ["a", "b"],
      ttl: 86400,
      maxTtl: 172800,
      explicitMaxTtl: 0,
      period: 60,
      numUses: 2,
      boundCidrs: ["10.0.0.0/8"],
      noDefaultPolicy: false,
    });
    expect(apply({ policies: ["a"], token_policies: ["b"], ttl: 10, token_ttl: 20 })).toMatchObject({
      policies: ["b"],
      ttl: 20,
    });
    expect(apply({ num_uses: 5 }, DEFAULT_TOKEN_SETTINGS, false).numUses).toBe(0);
  });

  it("keeps absent fields on update", () => {
    const first = apply({ token_policies: ["a"], token_ttl: "1h" });
    expect(apply({ token_max_ttl: "2h" }, first)).toMatchObject({ policies: ["a"], ttl: 3600, maxTtl: 7200 });
  });

  it("refuses what it cannot honour", () => {
    expect(() => apply({ token_ttl: "2h", token_max_ttl: "1h" })).toThrow(BadRequest);
    expect(() => apply({ token_type: "batch" })).toThrow(/only service tokens/);
    expect(apply({ token_type: "default-service" }).policies).toEqual([]);
    expect(() => apply({ token_num_uses: -1 })).toThrow(BadRequest);
    expect(() => apply({ token_bound_cidrs: ["10.0.0.0/33"] })).toThrow(/invalid CIDR/);
    expect(() => withPolicies(DEFAULT_TOKEN_SETTINGS, ["ROOT"])).toThrow(/root/);
  });

  it("reads back under both names and grants the settings", () => {
    const s = apply({
      token_policies: ["a"],
      token_ttl: 60,
      token_max_ttl: 600,
      token_explicit_max_ttl: 300,
    });
    expect(tokenSettingsData(s)).toMatchObject({
      token_policies: ["a"],
      policies: ["a"],
      token_ttl: 60,
      ttl: 60,
    });
    expect(tokenGrant(s)).toMatchObject({
      policies: ["a"],
      ttlSeconds: 60,
      maxTtlSeconds: 300,
      renewable: true,
    });
    expect(tokenGrant({ ...s, explicitMaxTtl: 0 }).maxTtlSeconds).toBe(600);
  });
});

describe("CIDR checks", () => {
  it("allows everyone with no blocks and fails closed on junk addresses", () => {
    expect(addressAllowed([], "anything")).toBe(true);
    expect(addressAllowed(["10.0.0.0/8"], "10.1.2.3")).toBe(true);
    expect(addressAllowed(["10.0.0.0/8"], "11.1.2.3")).toBe(false);
    expect(addressAllowed(["10.0.0.0/8"], "not-an-ip")).toBe(false);
    expect(addressAllowed(["2001:db8::/32"], "2001:db8::1")).toBe(true);
    expect(addressAllowed(["127.0.0.1"], "127.0.0.1")).toBe(true);
    expect(addressAllowed(["fe80::/10"], "fe80::1%eth0")).toBe(true);
  });

  it("tells whether blocks lie within others", () => {
    expect(cidrsWithin(["10.1.0.0/16", "10.2.3.4"], ["10.0.0.0/8"])).toBe(true);
    expect(cidrsWithin(["10.0.0.0/7"], ["10.0.0.0/8"])).toBe(false);
    expect(cidrsWithin(["192.168.0.0/16"], ["10.0.0.0/8"])).toBe(false);
    expect(cidrsWithin(["junk"], ["10.0.0.0/8"])).toBe(false);
    expect(cidrsWithin(["192.168.0.0/16"], [])).toBe(true);
  });
});
