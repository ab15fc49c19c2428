// Login lockout and admin bootstrap settings (issue #3): defaults, the file stanza, the environment
// winning over the file, and one clear error line for bad values.
import { describe, expect, it } from "vitest";
import { withConfigFile } from "../../test/helpers/config-file.js";
import { ConfigError, loadConfig } from "./config.js";

const BCRYPT = "$2b$04$byQRNAyX6l2zzpSCgYeA2u32jE.EgHyN.VjkRXn3dUpBJidPgmE/y";

describe("login lockout settings", () => {
  it("defaults to Vault's user lockout: 5 failures, 15m, 15m", () => {
    expect(loadConfig({ env: {} }).loginLockout).toEqual({
      threshold: 5,
      durationSeconds: 900,
      counterResetSeconds: 900,
      disabled: false,
    });
  });

  it("reads Vault's user_lockout stanza, and the environment wins", () => {
    const hcl =
      'user_lockout "all" {\n  lockout_threshold = 3\n  lockout_duration = "30m"\n  lockout_counter_reset = "5m"\n}\n';
    withConfigFile(hcl, (file) => {
      expect(loadConfig({ file, env: {} }).loginLockout).toEqual({
        threshold: 3,
        durationSeconds: 1800,
        counterResetSeconds: 300,
        disabled: false,
      });
      const env = {
        LOGIN_LOCKOUT_THRESHOLD: "10",
        LOGIN_LOCKOUT_DURATION: "1h",
        LOGIN_LOCKOUT_DISABLE: "true",
      };
      expect(loadConfig({ file, env }).loginLockout).toEqual({
        threshold: 10,
        durationSeconds: 3600,
        counterResetSeconds: 300,
        disabled: true,
      });
    });
  });

  it("stops on invalid values with a line naming the setting", () => {
    expect(() => loadConfig({ env: { LOGIN_LOCKOUT_THRESHOLD: "0" } })).toThrow(/LOGIN_LOCKOUT_THRESHOLD/);
    expect(() => loadConfig({ env: { LOGIN_LOCKOUT_DURATION: "soon" } })).toThrow(/LOGIN_LOCKOUT_DURATION/);
    withConfigFile('user_lockout "userpass" {\n  disable_lockout = true\n}\n', (file) =>
      expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError),
    );
  });
});

describe("admin bootstrap settings", () => {
  it("needs both variables and a bcrypt hash", () => {
    expect(loadConfig({ env: { ADMIN_USERNAME: "admin", ADMIN_PASSWORD_HASH: BCRYPT } }).admin).toEqual({
      username: "admin",
      passwordHash: BCRYPT,
    });
    expect(() => loadConfig({ env: { ADMIN_USERNAME: "admin" } })).toThrow(/set together/);
    expect(() => loadConfig({ env: { ADMIN_USERNAME: "admin", ADMIN_PASSWORD_HASH: "hunter2" } })).toThrow(
      /bcrypt/,
    );
  });
});
