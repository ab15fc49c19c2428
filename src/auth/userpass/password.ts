/**
 * Password hashing for userpass.
 *
 * Choice: passwords this method hashes itself use scrypt (Node's built-in), encoded as
 * `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`. scrypt is memory-hard (these parameters cost 32 MiB per
 * guess, against bcrypt's 4 KiB), which is what makes GPU and ASIC guessing expensive; it runs in
 * native code on libuv's thread pool, so a login being hashed never stalls the event loop (bcryptjs
 * is pure JavaScript on the main thread); and it adds no dependency. Argon2id would be the first
 * choice, but Node 20 has no built-in implementation and native addons are a supply-chain and build
 * cost we do not need.
 * bcrypt hashes ($2a$/$2b$/$2y$) are verified too (with bcryptjs, whose compare is constant-time),
 * because operators hand us one in ADMIN_PASSWORD_HASH; such a hash is stored as given.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import bcrypt from "bcryptjs";

const LOG_N = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const ENCODED =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export function isBcryptHash(text: string): boolean {
  return BCRYPT.test(text);
}

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, LOG_N, R, P);
  return `$scrypt$ln=${LOG_N},r=${R},p=${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** True when `password` matches `encoded`; false for any hash it cannot read. Constant-time compare. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (isBcryptHash(encoded)) return bcrypt.compare(password, encoded);
  const m = ENCODED.exec(encoded);
  if (!m) return false;
  const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a tampered record from turning one login into an enormous computation.
  if (logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5] ?? "", "base64");
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, Buffer.from(m[4] ?? "", "base64"), logN, r, p);
  return timingSafeEqual(actual, expected);
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same work as checking a real password, for logins naming an unknown user, so response
 * time does not reveal which usernames exist.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword(randomBytes(16).toString("hex"));
  await verifyPassword(password, await dummy);
}
