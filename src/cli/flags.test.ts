import { describe, expect, it } from "vitest";
import { normalizeArgs } from "./flags.js";

describe("normalizeArgs", () => {
  it("turns vault's single-dash long flags into commander's double-dash ones", () => {
    expect(normalizeArgs(["operator", "init", "-key-shares=5", "-key-threshold", "3"])).toEqual([
      "operator",
      "init",
      "--key-shares=5",
      "--key-threshold",
      "3",
    ]);
  });

  it("leaves double-dash flags, positionals, stdin markers and negative numbers alone", () => {
    expect(normalizeArgs(["--field=x", "secret/a", "-", "k=-", "-1", "-h"])).toEqual([
      "--field=x",
      "secret/a",
      "-",
      "k=-",
      "-1",
      "-h",
    ]);
  });

  it("keeps values that merely look like flags after an equals sign", () => {
    expect(normalizeArgs(["-increment=-1h", "-field=-x"])).toEqual(["--increment=-1h", "--field=-x"]);
  });

  it("maps boolean flags with values onto --flag / --no-flag", () => {
    expect(normalizeArgs(["-renewable=false", "-orphan=true", "-cas-required=false"])).toEqual([
      "--no-renewable",
      "--orphan",
      "--no-cas-required",
    ]);
  });

  it("drops a false boolean whose default is already false", () => {
    expect(normalizeArgs(["-orphan=false", "-no-store=false", "-self"])).toEqual(["--self"]);
  });

  it("stops at --", () => {
    expect(normalizeArgs(["write", "--", "-weird=1"])).toEqual(["write", "--", "-weird=1"]);
  });
});
