/**
 * engines/cubbyhole owns per-token private storage: flat read/write/delete/LIST of JSON objects, like
 * KV v1 without the ttl hint. The pipeline hands every request a view already scoped to the caller's
 * token, so this backend never sees, chooses or compares tokens; wiping a revoked token's cubbyhole is
 * the token store's job. It must never import storage, http or server code.
 */
import { BadRequest, NotFound } from "../../core/errors.js";
import { definePath, type Backend, type BackendConfig } from "../../framework/backend.js";
import {
  decodeListing,
  encodeListPrefix,
  encodeUserPath,
  requireSecretPath,
} from "../../framework/user-path.js";

/** A guard, not a zod record: zod drops "__proto__" members and a secret must round-trip exactly. */
function parseSecret(raw: unknown): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error("cubbyhole: malformed secret record");
  }
  return { ...raw };
}

const cubbyholePath = definePath({
  pattern: ":path*",
  fields: { path: { type: "string", default: "", description: "Location of the secret." } },
  exists: async (req, { path }) =>
    path !== "" && (await req.storage.read(encodeUserPath(path), parseSecret)) !== undefined,
  operations: {
    read: async (req, { path }) => {
      const secret = await req.storage.read(encodeUserPath(requireSecretPath(path)), parseSecret);
      if (!secret) throw new NotFound("");
      return { data: secret };
    },
    update: async (req, { path }) => {
      const key = encodeUserPath(requireSecretPath(path));
      if (Object.keys(req.data).length === 0) throw new BadRequest("missing data fields");
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
  help: "Stores JSON objects visible only to the token that wrote them.",
});

/** A cubbyhole mount; the request's storage is the caller token's own view. */
export function cubbyholeBackend(_config: BackendConfig): Backend {
  return { type: "cubbyhole", kind: "secret", paths: [cubbyholePath] };
}
