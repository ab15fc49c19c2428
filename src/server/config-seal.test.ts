// Auto-unseal settings: Vault's `seal "awskms"` block, the runbook's AUTO_UNSEAL_ENABLED +
// AWS_KMS_KEY_ID, Vault's VAULT_SEAL_TYPE, and one clear error line for each mistake.
import { describe, expect, it } from "vitest";
import { withConfigFile } from "../../test/helpers/config-file.js";
import { ConfigError, loadConfig } from "./config.js";

const ARN = "arn:aws:kms:us-east-1:123456789:key/abc-123";

describe("redis settings", () => {
  it("takes REDIS_URL or redis_url, and refuses anything but a redis URL", () => {
    expect(loadConfig({ env: {} }).redisUrl).toBeUndefined();
    expect(loadConfig({ env: { REDIS_URL: "redis://127.0.0.1:6379/2" } }).redisUrl).toBe(
      "redis://127.0.0.1:6379/2",
    );
    withConfigFile('redis_url = "rediss://cache:6380"\n', (file) =>
      expect(loadConfig({ file, env: {} }).redisUrl).toBe("rediss://cache:6380"),
    );
    expect(() => loadConfig({ env: { REDIS_URL: "127.0.0.1:6379" } })).toThrow(/REDIS_URL must be a redis/);
  });
});

describe("seal settings", () => {
  it("is Shamir unless asked otherwise", () => {
    expect(loadConfig({ env: {} }).seal).toBeUndefined();
    expect(loadConfig({ env: { AUTO_UNSEAL_ENABLED: "false", AWS_KMS_KEY_ID: ARN } }).seal).toBeUndefined();
    withConfigFile('seal "shamir" {}\n', (file) =>
      expect(loadConfig({ file, env: {} }).seal).toBeUndefined(),
    );
  });

  it("takes the runbook's environment and Vault's", () => {
    expect(loadConfig({ env: { AUTO_UNSEAL_ENABLED: "true", AWS_KMS_KEY_ID: ARN } }).seal).toEqual({
      type: "awskms",
      keyId: ARN,
    });
    expect(
      loadConfig({
        env: {
          VAULT_SEAL_TYPE: "awskms",
          VAULT_AWSKMS_SEAL_KEY_ID: "alias/x",
          AWS_KMS_ENDPOINT: "https://kms.vpce",
        },
      }).seal,
    ).toEqual({ type: "awskms", keyId: "alias/x", endpoint: "https://kms.vpce" });
  });

  it("reads Vault's seal block, the environment winning, AUTO_UNSEAL_ENABLED=false turning it off", () => {
    const text = `seal "awskms" {\n  kms_key_id = "${ARN}"\n  region = "eu-west-1"\n  endpoint = "https://a"\n}\n`;
    withConfigFile(text, (file) => {
      expect(loadConfig({ file, env: {} }).seal).toEqual({
        type: "awskms",
        keyId: ARN,
        region: "eu-west-1",
        endpoint: "https://a",
      });
      expect(loadConfig({ file, env: { AWS_KMS_KEY_ID: "k2", AWS_KMS_ENDPOINT: "https://b" } }).seal).toEqual(
        {
          type: "awskms",
          keyId: "k2",
          region: "eu-west-1",
          endpoint: "https://b",
        },
      );
      expect(loadConfig({ file, env: { AUTO_UNSEAL_ENABLED: "false" } }).seal).toBeUndefined();
    });
  });

  it("stops with one line on a missing key, an unknown seal or a bad flag", () => {
    expect(() => loadConfig({ env: { AUTO_UNSEAL_ENABLED: "true" } })).toThrow(
      /auto-unseal needs a KMS key: set AWS_KMS_KEY_ID/,
    );
    expect(() => loadConfig({ env: { AUTO_UNSEAL_ENABLED: "yes" } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { VAULT_SEAL_TYPE: "transit" } })).toThrow(/VAULT_SEAL_TYPE/);
    withConfigFile('seal "gcpckms" {}\n', (file) =>
      expect(() => loadConfig({ file, env: {} })).toThrow(/unknown seal type "gcpckms"/),
    );
  });
});
