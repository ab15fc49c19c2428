import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { RateLimited } from "./errors.js";
import { DEFAULT_LOCKOUT, LoginGuard } from "./login-guard.js";

const login = (
  over: Partial<{
    mountPath: string;
    path: string;
    remoteAddress: string;
    data: Record<string, unknown>;
  }> = {},
) => ({
  mountPath: "auth/userpass/",
  path: "login/alice",
  remoteAddress: "10.0.0.1",
  data: {},
  ...over,
});

describe("LoginGuard", () => {
  it("keys logins by mount, address and identity, and ignores everything else", () => {
    const g = new LoginGuard(DEFAULT_LOCKOUT, new ManualClock());
    const alice = g.keyFor(login());
    expect(alice).toBeDefined();
    expect(g.keyFor(login({ path: "login/ALICE" }))).toBe(alice);
    expect(g.keyFor(login({ path: "login/bob" }))).not.toBe(alice);
    expect(g.keyFor(login({ remoteAddress: "10.0.0.2" }))).not.toBe(alice);
    expect(g.keyFor(login({ mountPath: "auth/other/" }))).not.toBe(alice);
    const approle = g.keyFor(
      login({ mountPath: "auth/approle/", path: "login", data: { role_id: "r1", secret_id: "s" } }),
    );
    expect(approle).toContain("r1");
    expect(approle).not.toContain('"s"');
    expect(
      g.keyFor(login({ mountPath: "auth/kubernetes/", path: "login", data: { role: "app" } })),
    ).toContain("app");
    expect(g.keyFor(login({ path: "users/alice" }))).toBeUndefined();
    expect(g.keyFor(login({ mountPath: "auth/token/", path: "login" }))).toBeUndefined();
    expect(g.keyFor(login({ mountPath: "secret/", path: "login" }))).toBeUndefined();
    expect(
      new LoginGuard({ ...DEFAULT_LOCKOUT, disabled: true }, new ManualClock()).keyFor(login()),
    ).toBeUndefined();
  });

  it("locks a key after the threshold within the window, for the cool-down only", () => {
    const clock = new ManualClock();
    const g = new LoginGuard({ threshold: 3, durationSeconds: 600, counterResetSeconds: 300 }, clock);
    const key = "k";
    for (let i = 0; i < 2; i++) {
      g.check(key);
      g.failed(key);
    }
    expect(() => g.check(key)).not.toThrow();
    g.failed(key);
    expect(() => g.check(key)).toThrow(RateLimited);
    expect(g.lockedCount()).toBe(1);
    expect(() => g.check("other")).not.toThrow();
    clock.advance(599);
    expect(() => g.check(key)).toThrow(RateLimited);
    clock.advance(2);
    expect(() => g.check(key)).not.toThrow();
    // After the cool-down the count starts over.
    g.failed(key);
    expect(() => g.check(key)).not.toThrow();
  });

  it("forgets failures older than the counter reset, and a success clears the key", () => {
    const clock = new ManualClock();
    const g = new LoginGuard({ threshold: 2, durationSeconds: 60, counterResetSeconds: 60 }, clock);
    g.failed("k");
    clock.advance(61);
    g.failed("k");
    expect(() => g.check("k")).not.toThrow();
    g.succeeded("k");
    g.failed("k");
    expect(() => g.check("k")).not.toThrow();
    g.failed("k");
    expect(() => g.check("k")).toThrow(/too many failed login attempts/);
  });

  it("a failure after an expired lock starts a fresh count", () => {
    const clock = new ManualClock();
    const g = new LoginGuard({ threshold: 2, durationSeconds: 10, counterResetSeconds: 600 }, clock);
    g.failed("k");
    g.failed("k");
    clock.advance(11);
    g.failed("k");
    expect(() => g.check("k")).not.toThrow();
  });

  it("refuses a threshold below one", () => {
    expect(() => new LoginGuard({ ...DEFAULT_LOCKOUT, threshold: 0 }, new ManualClock())).toThrow(RangeError);
  });

  it("bounds its memory under a flood of distinct keys", () => {
    const clock = new ManualClock();
    const g = new LoginGuard({ threshold: 1, durationSeconds: 60, counterResetSeconds: 60 }, clock);
    for (let i = 0; i < 100_005; i++) g.failed(`k${i}`);
    expect(g.lockedCount()).toBeLessThanOrEqual(100_000);
    expect(() => g.check("k100004")).toThrow(RateLimited);
    clock.advance(61);
    g.failed("late");
    expect(() => g.check("late")).toThrow(RateLimited);
  });
});
