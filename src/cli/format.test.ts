import { describe, expect, it } from "vitest";
import {
  fieldOf,
  formatColumns,
  formatKeyValues,
  formatValue,
  humanDuration,
  padEqualSigns,
  secretRows,
} from "./format.js";

describe("formatValue", () => {
  it("renders like vault's table output", () => {
    expect(formatValue(null)).toBe("<nil>");
    expect(formatValue("")).toBe("n/a");
    expect(formatValue(false)).toBe("false");
    expect(formatValue(3)).toBe("3");
    expect(formatValue(["default", "app"])).toBe("[default app]");
    expect(formatValue({ b: 1, a: "x" })).toBe("map[a:x b:1]");
    expect(formatValue([])).toBe("[]");
  });
});

describe("formatKeyValues", () => {
  it("aligns the value column four spaces after the longest key", () => {
    const table = formatKeyValues([
      ["created_time", "2024-01-01T00:00:00Z"],
      ["custom_metadata", null],
      ["version", 1],
    ]);
    expect(table).toBe(
      [
        "Key                Value",
        "---                -----",
        "created_time       2024-01-01T00:00:00Z",
        "custom_metadata    <nil>",
        "version            1",
      ].join("\n"),
    );
  });
});

describe("formatColumns", () => {
  it("pads every column but the last and rules the header", () => {
    expect(
      formatColumns(
        [
          ["secret/", "kv", "kv_1", ""],
          ["cubbyhole/", "cubbyhole", "cubbyhole_2", "per-token storage"],
        ],
        ["Path", "Type", "Accessor", "Description"],
      ),
    ).toBe(
      [
        "Path          Type         Accessor       Description",
        "----          ----         --------       -----------",
        "secret/       kv           kv_1",
        "cubbyhole/    cubbyhole    cubbyhole_2    per-token storage",
      ].join("\n"),
    );
  });
});

describe("padEqualSigns", () => {
  it("centres a header over a block, always with an even number of signs", () => {
    expect(padEqualSigns("Secret Path", 17)).toBe("== Secret Path ==");
    expect(padEqualSigns("Data", 13)).toBe("==== Data ====");
    expect(padEqualSigns("Metadata", 3)).toBe("== Metadata ==");
  });
});

describe("humanDuration", () => {
  it("drops zero units and never rolls hours into days", () => {
    expect(humanDuration(3600)).toBe("1h");
    expect(humanDuration(5400)).toBe("1h30m");
    expect(humanDuration(2764800)).toBe("768h");
    expect(humanDuration(59)).toBe("59s");
    expect(humanDuration(0)).toBe("0s");
  });
});

describe("secretRows", () => {
  const secret = {
    lease_duration: 0,
    data: { b: 2, a: 1 },
    auth: {
      client_token: "hvs.secret-token",
      accessor: "acc1",
      lease_duration: 3600,
      renewable: true,
      token_policies: ["default"],
      policies: ["default"],
      metadata: { user: "alice" },
    },
  };

  it("lists auth rows before sorted data, and hides the token unless asked", () => {
    const rows = secretRows(secret, { showToken: false });
    expect(rows.map(([k]) => k)).toEqual([
      "token_accessor",
      "token_duration",
      "token_renewable",
      "token_policies",
      "identity_policies",
      "policies",
      "token_meta_user",
      "a",
      "b",
    ]);
    expect(rows).toContainEqual(["token_duration", "1h"]);
    expect(JSON.stringify(rows)).not.toContain("hvs.secret-token");
    expect(secretRows(secret, { showToken: true })[0]).toEqual(["token", "hvs.secret-token"]);
  });

  it("shows lease rows for leased secrets and a refresh interval for KV v1 ttl", () => {
    expect(
      secretRows({ lease_id: "db/creds/x/1", lease_duration: 60, renewable: true }, { showToken: false }),
    ).toEqual([
      ["lease_id", "db/creds/x/1"],
      ["lease_duration", "1m"],
      ["lease_renewable", true],
    ]);
    expect(secretRows({ lease_id: "", lease_duration: 3600 }, { showToken: false })).toEqual([
      ["refresh_interval", "1h"],
    ]);
  });

  it("selects -field from data first, then the auth rows", () => {
    expect(fieldOf(secret, "a", { showToken: false })).toBe(1);
    expect(fieldOf(secret, "token_accessor", { showToken: false })).toBe("acc1");
    expect(fieldOf(secret, "token", { showToken: false })).toBeUndefined();
    expect(fieldOf(secret, "token", { showToken: true })).toBe("hvs.secret-token");
  });
});
