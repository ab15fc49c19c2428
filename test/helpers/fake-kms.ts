/**
 * A loopback fake of AWS KMS speaking the real wire protocol (AWS JSON 1.1 over `POST /`, SigV4
 * signed), so the real `@aws-sdk/client-kms` can be driven end to end without AWS.
 * It really encrypts: AES-256-GCM under a key only the fake holds, with the key id in an authenticated
 * header and the canonical encryption context as AAD, so a wrong context or a tampered blob fails.
 * Signatures are verified in full against the configured secret, as KMS would.
 */
import {
  createHash,
  createHmac,
  createCipheriv,
  createDecipheriv,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

export interface FakeKmsCall {
  /** The operation from X-Amz-Target, e.g. "Encrypt". */
  target: string;
  /** The KeyId as the client sent it, if the body carried one. */
  keyId?: string;
  /** The EncryptionContext as the client sent it, if any. */
  encryptionContext?: Record<string, string>;
  /** The region of the request's SigV4 credential scope, if it was signed. */
  region?: string;
  /** The HTTP status the fake answered with. */
  status: number;
}

export interface FakeKms {
  url: string;
  keyArn: string;
  /** An alias (`alias/<name>`) that resolves to the one key. */
  alias: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Every request that reached the fake, retries included, in order. */
  calls: FakeKmsCall[];
  /** While down, every request gets 503 KMSInternalException. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

const ACCOUNT = "111122223333";
const JSON_11 = "application/x-amz-json-1.1";
const VERSION = 1;
const MAX_SKEW_MS = 15 * 60_000;

class KmsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const base64 = z
  .string()
  .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/)
  .transform((s) => Buffer.from(s, "base64"));
const context = z.record(z.string(), z.string()).optional();
const algorithm = z.literal("SYMMETRIC_DEFAULT").optional();
const encryptBody = z.object({
  KeyId: z.string().min(1),
  Plaintext: base64.refine((b) => b.length >= 1 && b.length <= 4096, "Plaintext must be 1..4096 bytes"),
  EncryptionContext: context,
  EncryptionAlgorithm: algorithm,
});
const decryptBody = z.object({
  CiphertextBlob: base64.refine(
    (b) => b.length >= 1 && b.length <= 6144,
    "CiphertextBlob must be 1..6144 bytes",
  ),
  KeyId: z.string().min(1).optional(),
  EncryptionContext: context,
  EncryptionAlgorithm: algorithm,
});
const recorded = z.object({ KeyId: z.string().optional(), EncryptionContext: context });

const authHeader =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/kms\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export async function startFakeKms(
  opts: { accessKeyId?: string; keyId?: string; region?: string } = {},
): Promise<FakeKms> {
  const accessKeyId = opts.accessKeyId ?? "AKIAFAKEKMS000000001";
  const secretAccessKey = randomBytes(30).toString("base64");
  const region = opts.region ?? "us-west-2";
  const keyId = opts.keyId ?? "1234abcd-12ab-34cd-56ef-1234567890ab";
  const keyArn = `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId}`;
  const alias = "alias/secrethub";
  const aliasArn = `arn:aws:kms:${region}:${ACCOUNT}:${alias}`;
  const aesKey = randomBytes(32);
  const calls: FakeKmsCall[] = [];
  let down = false;

  /** The one key's ARN for any of its names; NotFoundException otherwise. */
  const resolveKey = (id: string): string => {
    if ([keyId, keyArn, alias, aliasArn].includes(id)) return keyArn;
    throw new KmsError(400, "NotFoundException", `Key '${id}' does not exist`);
  };

  const encrypt = (raw: unknown) => {
    const body = parse(encryptBody, raw);
    const arn = resolveKey(body.KeyId);
    const header = Buffer.concat([Buffer.from([VERSION, Buffer.byteLength(arn)]), Buffer.from(arn)]);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", aesKey, iv);
    cipher.setAAD(aad(header, body.EncryptionContext));
    const ct = Buffer.concat([cipher.update(body.Plaintext), cipher.final()]);
    const blob = Buffer.concat([header, iv, cipher.getAuthTag(), ct]);
    return { CiphertextBlob: blob.toString("base64"), KeyId: arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
  };

  const decrypt = (raw: unknown) => {
    const body = parse(decryptBody, raw);
    const requested = body.KeyId === undefined ? undefined : resolveKey(body.KeyId);
    const blob = body.CiphertextBlob;
    const invalid = () => new KmsError(400, "InvalidCiphertextException", "");
    const idLen = blob[1];
    if (blob[0] !== VERSION || idLen === undefined || blob.length < 2 + idLen + 12 + 16) throw invalid();
    const header = blob.subarray(0, 2 + idLen);
    const arn = header.subarray(2).toString();
    if (arn !== keyArn) throw invalid();
    if (requested !== undefined && requested !== arn) {
      throw new KmsError(400, "IncorrectKeyException", "The key ID in the request does not identify the key");
    }
    const iv = blob.subarray(header.length, header.length + 12);
    const tag = blob.subarray(header.length + 12, header.length + 28);
    const decipher = createDecipheriv("aes-256-gcm", aesKey, iv);
    decipher.setAAD(aad(header, body.EncryptionContext));
    decipher.setAuthTag(tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(blob.subarray(header.length + 28)), decipher.final()]);
    } catch {
      throw invalid();
    }
    return { Plaintext: plaintext.toString("base64"), KeyId: arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
  };

  /** Verifies SigV4 (header form) the way AWS does, against the configured key pair and region. */
  const authenticate = (req: IncomingMessage, path: string, body: Buffer): void => {
    const auth = req.headers.authorization;
    const amzDate = req.headers["x-amz-date"];
    const m = auth === undefined ? null : authHeader.exec(auth);
    if (!m || typeof amzDate !== "string" || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
      throw new KmsError(403, "AccessDeniedException", "Missing or malformed SigV4 authentication");
    }
    const [, akid = "", date = "", scopeRegion = "", signedHeaders = "", signature = ""] = m;
    if (akid !== accessKeyId) {
      throw new KmsError(
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      );
    }
    const bad = (message: string) => new KmsError(400, "InvalidSignatureException", message);
    if (scopeRegion !== region) throw bad("Credential should be scoped to a valid region.");
    if (!amzDate.startsWith(date))
      throw bad("Date in Credential scope does not match YYYYMMDD from X-Amz-Date.");
    const when = Date.parse(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    if (!(Math.abs(Date.now() - when) <= MAX_SKEW_MS)) throw bad("Signature expired.");
    const names = signedHeaders.split(";");
    if (!names.includes("host") || !names.includes("x-amz-date"))
      throw bad("host and x-amz-date must be signed.");
    const canonicalHeaders = names.map((n) => {
      const v = req.headers[n];
      if (v === undefined) throw bad(`Signed header ${n} is missing.`);
      return `${n}:${(Array.isArray(v) ? v.join(",") : v).trim().replace(/\s+/g, " ")}\n`;
    });
    const canonical = ["POST", path, "", canonicalHeaders.join(""), signedHeaders, sha256(body)].join("\n");
    const scope = `${date}/${region}/kms/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
    let k: Buffer = Buffer.from(`AWS4${secretAccessKey}`);
    for (const part of [date, region, "kms", "aws4_request"]) k = hmac(k, part);
    const expected = hmac(k, toSign);
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
      throw bad("The request signature we calculated does not match the signature you provided.");
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const target = String(req.headers["x-amz-target"] ?? "");
    const op = target.startsWith("TrentService.") ? target.slice("TrentService.".length) : target;
    const call: FakeKmsCall = { target: op, status: 200 };
    const scoped = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(req.headers.authorization ?? "")?.[1];
    if (scoped !== undefined) call.region = scoped;
    calls.push(call);
    let raw: unknown;
    try {
      raw = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
      const seen = recorded.safeParse(raw);
      if (seen.success && seen.data.KeyId !== undefined) call.keyId = seen.data.KeyId;
      if (seen.success && seen.data.EncryptionContext) call.encryptionContext = seen.data.EncryptionContext;
    } catch {
      raw = undefined;
    }
    try {
      if (down)
        throw new KmsError(
          503,
          "KMSInternalException",
          "The request was rejected because of an internal exception.",
        );
      const path = new URL(req.url ?? "/", "http://fake").pathname;
      if (req.method !== "POST" || path !== "/") throw new KmsError(404, "UnknownOperationException", "");
      authenticate(req, path, body);
      if (req.headers["content-type"] !== JSON_11) throw new KmsError(400, "SerializationException", "");
      if (raw === undefined) throw new KmsError(400, "SerializationException", "Malformed JSON body");
      switch (target) {
        case "TrentService.Encrypt":
          return send(res, 200, encrypt(raw));
        case "TrentService.Decrypt":
          return send(res, 200, decrypt(raw));
        default:
          throw new KmsError(400, "UnknownOperationException", "");
      }
    } catch (err) {
      const e = err instanceof KmsError ? err : new KmsError(500, "KMSInternalException", "");
      call.status = e.status;
      return send(res, e.status, { __type: e.type, message: e.message });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keyArn,
    alias,
    accessKeyId,
    secretAccessKey,
    region,
    calls,
    setDown: (d) => {
      down = d;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new KmsError(400, "ValidationException", r.error.issues.map((i) => i.message).join("; "));
  return r.data;
}

/** The AAD: the blob's header, then the encryption context as canonical (key-sorted) JSON. */
function aad(header: Buffer, ctx: Record<string, string> = {}): Buffer {
  const sorted = Object.fromEntries(Object.entries(ctx).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Buffer.concat([header, Buffer.from(JSON.stringify(sorted))]);
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": JSON_11, "x-amzn-requestid": randomBytes(16).toString("hex") });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer, data: string) => createHmac("sha256", key).update(data).digest();
