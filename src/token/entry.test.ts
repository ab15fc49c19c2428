import { describe, expect, it } from "vitest";
import { loginDisplayName, sanitizePolicies, tokenDisplayName } from "./entry.js";
import { LocalLocks } from "../core/locks.js";

describe("token naming rules", () => {
  it("names created tokens as Vault does", () => {
    expect(tokenDisplayName(undefined)).toBe("token");
    expect(tokenDisplayName("")).toBe("token");
    expect(tokenDisplayName("ci")).toBe("token-ci");
    expect(tokenDisplayName("my app/prod!")).toBe("token-my-app-prod");
  });

  it("prefixes login names with the mount", () => {
    expect(loginDisplayName("auth/userpass/", "alice")).toBe("userpass-alice");
    expect(loginDisplayName("auth/team/ldap/", "bob")).toBe("team-ldap-bob");
    expect(loginDisplayName("auth/approle/", "")).toBe("approle");
  });

  it("normalises policy sets", () => {
    expect(sanitizePolicies(["B", "a", "", " a "], true)).toEqual(["a", "b", "default"]);
    expect(sanitizePolicies(["root"], true)).toEqual(["root"]);
    expect(sanitizePolicies([], false)).toEqual([]);
  });
});

describe("LocalLocks", () => {
  it("runs critical sections of one key one at a time, other keys freely", async () => {
    const lock = new LocalLocks();
    const events: string[] = [];
    const section = (key: string, name: string, wait: number) =>
      lock.run(key, async () => {
        events.push(`${name}+`);
        await new Promise((r) => setTimeout(r, wait));
        events.push(`${name}-`);
      });
    await Promise.all([section("k", "a", 20), section("k", "b", 1), section("other", "c", 1)]);
    expect(events.indexOf("a-")).toBeLessThan(events.indexOf("b+"));
    expect(events.indexOf("c-")).toBeLessThan(events.indexOf("a-"));
    expect(lock.size).toBe(0);
  });

  it("releases the key when a section throws", async () => {
    const lock = new LocalLocks();
    await expect(lock.run("k", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await lock.run("k", () => Promise.resolve(7))).toBe(7);
    expect(lock.size).toBe(0);
  });
});
