/**
 * KV v2 `subkeys/<path>`: the shape of a version's data without its values. Leaves (and empty
 * objects) become null; `depth` (0 = unlimited) stops descending after that many levels.
 */
import { BadRequest, NotFound } from "../../core/errors.js";
import { definePath } from "../../framework/backend.js";
import { isJsonObject } from "./merge-patch.js";
import { findVersion, goneVersion } from "./path-data.js";
import { isLive, readMeta, readVersionData, type KvContext } from "./store.js";
import { requireSecretPath } from "../../framework/user-path.js";
import { versionBody } from "./wire.js";

export function subkeys(data: Record<string, unknown>, depth: number, level = 1): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).map(([name, value]) => [
      name,
      isJsonObject(value) && Object.keys(value).length > 0 && (depth === 0 || level < depth)
        ? subkeys(value, depth, level + 1)
        : null,
    ]),
  );
}

const fields = {
  path: { type: "string", default: "", description: "Location of the secret." },
  version: { type: "int", default: 0, description: "Version to inspect; 0 is the latest." },
  depth: { type: "int", default: 0, description: "Levels of nesting to return; 0 returns all." },
} as const;

export const subkeysPath = (ctx: KvContext) =>
  definePath({
    pattern: "subkeys/:path*",
    fields,
    operations: {
      read: async (req, { path, version, depth }) => {
        if (depth < 0) throw new BadRequest('"depth" must not be negative');
        const found = findVersion(await readMeta(req.storage, requireSecretPath(path)), version);
        if (!isLive(found.vm, ctx.clock.now()))
          return goneVersion(found.meta, found.version, found.vm, "subkeys");
        const data = await readVersionData(req.storage, path, found.version);
        if (!data) throw new NotFound("");
        return {
          data: { subkeys: subkeys(data, depth), metadata: versionBody(found.meta, found.version, found.vm) },
        };
      },
    },
    help: "Returns the keys of a secret version with every value replaced by null.",
  });
