import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejection } from "../../test/helpers/backend.js";
import { startFakeKms } from "../../test/helpers/fake-kms.js";
import type { FakeKms } from "../../test/helpers/fake-kms.js";
import { awsKmsWrapper, regionFromKeyArn } from "./awskms.js";

// Everything the SDK's default chains read, so the host's AWS setup can neither help nor hurt.
const AWS_ENV = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_KMS",
] as const;
type AwsEnv = Partial<Record<(typeof AWS_ENV)[number], string>>;

function setEnv(env: AwsEnv): void {
  for (const k of AWS_ENV) {
    const v = env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

let fake: FakeKms;
let saved: AwsEnv;
let base: AwsEnv;

/** Runs `fn` with `over` applied on top of the test's base environment. */
async function withEnv<T>(over: AwsEnv, fn: () => Promise<T>): Promise<T> {
  setEnv({ ...base, ...over });
  try {
    return await fn();
  } finally {
    setEnv(base);
  }
}

beforeAll(async () => {
  fake = await startFakeKms();
  saved = Object.fromEntries(AWS_ENV.map((k) => [k, process.env[k]]));
  const nowhere = join(tmpdir(), `secrethub-no-aws-${randomBytes(4).toString("hex")}`);
  base = {
    AWS_ACCESS_KEY_ID: fake.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fake.secretAccessKey,
    AWS_REGION: fake.region,
    AWS_CONFIG_FILE: nowhere,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  setEnv(base);
});

afterAll(async () => {
  setEnv(saved);
  await fake.close();
});

const wrapper = (keyId = fake.keyArn) => awsKmsWrapper({ keyId, endpoint: fake.url });

describe("awsKmsWrapper", () => {
  it("wraps and unwraps a 32-byte key through the real SDK, signed with the env credentials", async () => {
    const kms = wrapper();
    expect(kms.type).toBe("awskms");
    const key = new Uint8Array(randomBytes(32));
    const from = fake.calls.length;

    const blob = await kms.wrap(key, "root-key");
    expect(blob).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(blob).equals(Buffer.from(key))).toBe(false);
    expect(Buffer.from(blob).indexOf(Buffer.from(key))).toBe(-1);
    expect(blob.length).toBeGreaterThan(key.length);

    const back = await kms.unwrap(blob, "root-key");
    expect(Buffer.from(back).equals(Buffer.from(key))).toBe(true);
    // The fake verified every SigV4 signature against the env's key pair and region before answering.
    const sent = { keyId: fake.keyArn, encryptionContext: { "secrethub:purpose": "root-key" } };
    expect(fake.calls.slice(from)).toEqual([
      { target: "Encrypt", ...sent, region: fake.region, status: 200 },
      { target: "Decrypt", ...sent, region: fake.region, status: 200 },
    ]);
  });

  it("returns standalone copies, not views into the SDK's pooled decode buffers", async () => {
    const kms = wrapper();
    const key = new Uint8Array(randomBytes(32));
    const blob = await kms.wrap(key, "p");
    const back = await kms.unwrap(blob, "p");
    // The SDK decodes base64 into a view over Node's shared 8 KiB Buffer pool; a copy owns its memory.
    for (const out of [blob, back]) {
      expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
      expect(out.byteOffset).toBe(0);
      expect(out.buffer.byteLength).toBe(out.byteLength);
    }
  });

  it("accepts the key as a bare id or an alias, interchangeably with the ARN", async () => {
    const keyId = fake.keyArn.split("/").at(-1)!;
    const key = new Uint8Array(randomBytes(32));
    const byId = await wrapper(keyId).wrap(key, "p");
    const byAlias = await wrapper(fake.alias).wrap(key, "p");
    expect(Buffer.from(await wrapper().unwrap(byId, "p")).equals(Buffer.from(key))).toBe(true);
    expect(Buffer.from(await wrapper(keyId).unwrap(byAlias, "p")).equals(Buffer.from(key))).toBe(true);
  });

  it("binds the purpose: unwrapping with another purpose rejects without leaking key bytes", async () => {
    const kms = wrapper();
    const key = new Uint8Array(randomBytes(32));
    const blob = await kms.wrap(key, "root-key");
    const err = await rejection(kms.unwrap(blob, "recovery-key"));
    expect(err.message).toMatch(/awskms: Decrypt failed/);
    expect(err.message).toBe("awskms: Decrypt failed: InvalidCiphertextException");
    expect(err.cause).toBeInstanceOf(Error);
    for (const bytes of [key, blob]) {
      const b = Buffer.from(bytes);
      expect(err.message).not.toContain(b.toString("base64"));
      expect(err.message).not.toContain(b.toString("hex"));
    }
  });

  it("rejects a tampered blob", async () => {
    const kms = wrapper();
    const blob = await kms.wrap(new Uint8Array(randomBytes(32)), "p");
    const last = blob.length - 1;
    blob[last] = blob[last]! ^ 0x01;
    await expect(kms.unwrap(blob, "p")).rejects.toThrow(/awskms: Decrypt failed: InvalidCiphertextException/);
    await expect(kms.unwrap(new Uint8Array(randomBytes(80)), "p")).rejects.toThrow(/awskms: Decrypt failed/);
  });

  it("rejects an unknown key id", async () => {
    const kms = wrapper("arn:aws:kms:us-west-2:111122223333:key/00000000-0000-0000-0000-000000000000");
    await expect(kms.wrap(new Uint8Array(32), "p")).rejects.toThrow(
      "awskms: Encrypt failed: NotFoundException",
    );
    const blob = await wrapper().wrap(new Uint8Array(32), "p");
    await expect(wrapper("alias/nope").unwrap(blob, "p")).rejects.toThrow(
      "awskms: Decrypt failed: NotFoundException",
    );
  });

  it("takes credentials from the SDK's default chain: a wrong key id or secret is refused", async () => {
    const wrongId = { AWS_ACCESS_KEY_ID: "AKIAWRONGWRONGWRONG0" };
    await withEnv(wrongId, () =>
      expect(wrapper().wrap(new Uint8Array(32), "p")).rejects.toThrow(
        "awskms: Encrypt failed: UnrecognizedClientException",
      ),
    );
    const wrongSecret = { AWS_SECRET_ACCESS_KEY: randomBytes(30).toString("base64") };
    await withEnv(wrongSecret, () =>
      expect(wrapper().wrap(new Uint8Array(32), "p")).rejects.toThrow(
        "awskms: Encrypt failed: InvalidSignatureException",
      ),
    );
    await withEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }, () =>
      expect(wrapper().wrap(new Uint8Array(32), "p")).rejects.toThrow(/^awskms: Encrypt failed: /),
    );
  });

  it("the fake refuses unsigned requests, so the SDK's requests above really were signed", async () => {
    const res = await fetch(fake.url, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "TrentService.Encrypt" },
      body: JSON.stringify({ KeyId: fake.keyArn, Plaintext: Buffer.from("x").toString("base64") }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ __type: "AccessDeniedException" });
  });

  it("rejects while KMS is down, after 3 attempts, and works again once it is back", async () => {
    const kms = wrapper();
    const key = new Uint8Array(randomBytes(32));
    const blob = await kms.wrap(key, "p");
    fake.setDown(true);
    try {
      const from = fake.calls.length;
      await expect(kms.wrap(key, "p")).rejects.toThrow("awskms: Encrypt failed: KMSInternalException");
      expect(fake.calls.slice(from).map((c) => c.status)).toEqual([503, 503, 503]);
      await expect(kms.unwrap(blob, "p")).rejects.toThrow("awskms: Decrypt failed: KMSInternalException");
    } finally {
      fake.setDown(false);
    }
    expect(Buffer.from(await kms.unwrap(blob, "p")).equals(Buffer.from(key))).toBe(true);
  });

  it("fails with a code, not a message, when KMS is unreachable", async () => {
    const gone = await startFakeKms();
    await gone.close();
    const kms = awsKmsWrapper({ keyId: fake.keyArn, endpoint: gone.url });
    await expect(kms.wrap(new Uint8Array(32), "p")).rejects.toThrow("awskms: Encrypt failed: ECONNREFUSED");
  });
});

describe("awsKmsWrapper region", () => {
  /** Wraps once through a fake in `fakeRegion`; returns each request's signing region and status. */
  async function signedRegion(
    opts: { region?: string; keyId?: (k: FakeKms) => string },
    env: AwsEnv,
    fakeRegion: string,
  ): Promise<[string | undefined, number][]> {
    const kms = await startFakeKms({ region: fakeRegion });
    const creds = { AWS_ACCESS_KEY_ID: kms.accessKeyId, AWS_SECRET_ACCESS_KEY: kms.secretAccessKey };
    try {
      const keyId = opts.keyId?.(kms) ?? kms.keyArn;
      const wrapper = awsKmsWrapper({ keyId, endpoint: kms.url, region: opts.region });
      await withEnv({ ...creds, ...env }, () => wrapper.wrap(new Uint8Array(32), "p").catch(() => undefined));
      return kms.calls.map((c) => [c.region, c.status]);
    } finally {
      await kms.close();
    }
  }
  const bareId = (k: FakeKms) => k.keyArn.split("/").at(-1)!;

  it("uses an explicit region over the environment", async () => {
    expect(await signedRegion({ region: "eu-west-1" }, { AWS_REGION: "ap-south-1" }, "eu-west-1")).toEqual([
      ["eu-west-1", 200],
    ]);
  });

  it("uses the SDK's AWS_REGION over the key ARN's region", async () => {
    // Signed for eu-north-1 (so authenticated), though that region's KMS does not know the sa-east-1 key.
    const arnElsewhere = () => "arn:aws:kms:sa-east-1:111122223333:alias/secrethub";
    expect(await signedRegion({ keyId: arnElsewhere }, { AWS_REGION: "eu-north-1" }, "eu-north-1")).toEqual([
      ["eu-north-1", 400],
    ]);
  });

  it("falls back to AWS_DEFAULT_REGION, which the SDK itself ignores", async () => {
    const env = { AWS_REGION: undefined, AWS_DEFAULT_REGION: "ca-central-1" };
    expect(await signedRegion({ keyId: bareId }, env, "ca-central-1")).toEqual([["ca-central-1", 200]]);
  });

  it("falls back to the key ARN's region, then us-east-1, when nothing else names one", async () => {
    const none = { AWS_REGION: undefined };
    expect(await signedRegion({}, none, "ap-southeast-2")).toEqual([["ap-southeast-2", 200]]);
    expect(await signedRegion({ keyId: bareId }, none, "us-east-1")).toEqual([["us-east-1", 200]]);
  });
});

describe("regionFromKeyArn", () => {
  it.each([
    ["arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "eu-west-1"],
    ["arn:aws:kms:us-east-2:111122223333:alias/secrethub", "us-east-2"],
    ["arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/abc", "us-gov-west-1"],
    ["arn:aws-cn:kms:cn-north-1:111122223333:key/abc", "cn-north-1"],
    ["1234abcd-12ab-34cd-56ef-1234567890ab", undefined],
    ["alias/secrethub", undefined],
    ["arn:aws:s3:::bucket", undefined],
    ["arn:aws:kms::111122223333:key/abc", undefined],
    ["", undefined],
  ])("%s -> %s", (arn, region) => {
    expect(regionFromKeyArn(arn)).toBe(region);
  });
});
