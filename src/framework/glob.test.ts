import { describe, expect, it } from "vitest";
import { globAny, globMatch } from "./glob.js";

describe("globMatch", () => {
  it("matches literals exactly and * anywhere", () => {
    expect(globMatch("app", "app")).toBe(true);
    expect(globMatch("app", "apps")).toBe(false);
    expect(globMatch("*", "")).toBe(true);
    expect(globMatch("app-*", "app-web")).toBe(true);
    expect(globMatch("app-*", "ap")).toBe(false);
    expect(globMatch("*-prod", "web-prod")).toBe(true);
    expect(globMatch("*-prod", "web-production")).toBe(false);
    expect(globMatch("team-*-prod", "team-a-prod")).toBe(true);
    expect(globMatch("team-*-prod", "team-prod")).toBe(false);
    expect(globMatch("a*b*c", "aXbYc")).toBe(true);
    expect(globMatch("a*b*c", "acb")).toBe(false);
    expect(globMatch("ab*ba", "aba")).toBe(false);
  });

  it("matches a list when any pattern does", () => {
    expect(globAny(["x", "y-*"], "y-1")).toBe(true);
    expect(globAny([], "y")).toBe(false);
  });
});
