/** Dev mode: initialize with one key share and unseal at once, like Vault's -dev. */
import type { RunningServer } from "./main.js";

export async function initDev(
  running: RunningServer,
): Promise<{ unsealKey: string; rootToken: string } | undefined> {
  if ((await running.lifecycle.status()).initialized) return undefined;
  const { shares, rootToken } = await running.lifecycle.initialize(1, 1);
  const key = shares[0];
  if (!key) throw new Error("initialization returned no key share");
  await running.lifecycle.submitShare(key);
  return { unsealKey: Buffer.from(key).toString("base64"), rootToken };
}
