/**
 * KV v1: one unversioned JSON object per path, read/write/delete/LIST anywhere below the mount. A
 * `ttl` (or legacy `lease`) key in the stored object is a refresh hint returned as lease_duration;
 * no lease is created. Missing secrets and empty listings answer NotFound("") (404, empty errors).
 */
import { BadRequest, NotFound } from "../../core/errors.js";
import type { Response } from "../../core/request.js";
import { definePath } from "../../framework/backend.js";
import { parseDuration } from "../../framework/fields.js";
import { isJsonObject } from "./merge-patch.js";
import {
  decodeListing,
  encodeListPrefix,
  encodeUserPath,
  requireSecretPath,
} from "../../framework/user-path.js";

/** A guard, not a zod record: zod drops "__proto__" members and a secret must round-trip exactly. */
function parseSecret(raw: unknown): Record<string, unknown> {
  if (!isJsonObject(raw)) throw new Error("kv: malformed secret record");
  return raw;
}

/** The refresh hint in seconds, if the secret carries a parseable ttl (or lease) key. */
export function ttlHint(secret: Readonly<Record<string, unknown>>): number | undefined {
  const raw = secret.ttl ?? secret.lease;
  if (raw === undefined || raw === null) return undefined;
  try {
    return parseDuration(raw, "ttl");
  } catch {
    return undefined; // A bad hint never makes the secret unreadable; writes reject it up front.
  }
}

export const v1Path = () =>
  definePath({
    pattern: ":path*",
    fields: { path: { type: "string", default: "", description: "Location of the secret." } },
    exists: async (req, { path }) =>
      (await req.storage.read(encodeUserPath(path), parseSecret)) !== undefined,
    operations: {
      read: async (req, { path }): Promise<Response> => {
        const key = encodeUserPath(requireSecretPath(path));
        const secret = await req.storage.read(key, parseSecret);
        if (!secret) throw new NotFound("");
        const hint = ttlHint(secret);
        return hint === undefined ? { data: secret } : { data: secret, leaseDurationHint: hint };
      },
      update: async (req, { path }) => {
        const key = encodeUserPath(requireSecretPath(path));
        if (Object.keys(req.data).length === 0) throw new BadRequest("missing data fields");
        const ttl = req.data.ttl ?? req.data.lease;
        if (ttl !== undefined && ttl !== null) parseDuration(ttl, "ttl");
        await req.storage.write(key, req.data);
        return undefined;
      },
      delete: async (req, { path }) => {
        await req.storage.delete(encodeUserPath(requireSecretPath(path)));
        return undefined;
      },
      list: async (req, { path }) => {
        const keys = decodeListing(await req.storage.list(encodeListPrefix(path)));
        if (keys.length === 0) throw new NotFound("");
        return { data: { keys } };
      },
    },
    help: "Stores an arbitrary JSON object at any path; a ttl key is returned as the refresh interval.",
  });
