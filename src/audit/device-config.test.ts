import { describe, expect, it } from "vitest";
import { BadRequest } from "../core/errors.js";
import {
  boolOption,
  commonOptions,
  durationOption,
  intOption,
  normalizeDevicePath,
  stringOptions,
} from "./device-config.js";

describe("device options", () => {
  it("normalizes device paths as Vault does", () => {
    expect(normalizeDevicePath("file")).toBe("file/");
    expect(normalizeDevicePath("/a/b//")).toBe("a/b/");
    for (const bad of ["", "/", "a//b", "../x", "a/./b"])
      expect(() => normalizeDevicePath(bad)).toThrow(BadRequest);
  });

  it("stores options as strings whatever JSON type was sent", () => {
    expect(stringOptions({ a: "x", b: 1, c: false })).toEqual({ a: "x", b: "1", c: "false" });
    expect(stringOptions(undefined)).toEqual({});
    expect(stringOptions(null)).toEqual({});
    expect(() => stringOptions(["x"])).toThrow(BadRequest);
  });

  it("parses booleans, integers and durations", () => {
    expect(boolOption({ x: "T" }, "x", false)).toBe(true);
    expect(boolOption({ x: "0" }, "x", true)).toBe(false);
    expect(boolOption({ x: " " }, "x", true)).toBe(true);
    expect(intOption({}, "n", 7, 1)).toBe(7);
    expect(intOption({ n: "12" }, "n", 7, 1)).toBe(12);
    expect(() => intOption({ n: "1.5" }, "n", 7, 1)).toThrow(BadRequest);
    expect(durationOption({ d: "720h" }, "d", 0)).toBe(2_592_000);
    expect(durationOption({ d: "1h30m" }, "d", 0)).toBe(5400);
    expect(durationOption({ d: "30d" }, "d", 0)).toBe(2_592_000);
    expect(durationOption({ d: "90" }, "d", 0)).toBe(90);
    expect(durationOption({ d: "500ms" }, "d", 0)).toBe(0.5);
    expect(durationOption({}, "d", 2)).toBe(2);
    expect(() => durationOption({ d: "1h and more" }, "d", 0)).toThrow(BadRequest);
  });

  it("applies Vault's defaults for the common options", () => {
    expect(commonOptions({})).toEqual({
      hmacAccessor: true,
      logRaw: false,
      prefix: "",
      elideListResponses: false,
      checkpointEvery: 100,
    });
    expect(
      commonOptions({ hmac_accessor: "false", log_raw: "true", prefix: "> ", elide_list_responses: "1" }),
    ).toMatchObject({ hmacAccessor: false, logRaw: true, prefix: "> ", elideListResponses: true });
  });
});
