/**
 * KV v2 `config`: mount-wide max_versions (0 = keep 10), cas_required and delete_version_after.
 * A write changes only the settings it names; a key's own metadata can narrow them.
 */
import { BadRequest } from "../../core/errors.js";
import { definePath } from "../../framework/backend.js";
import { readConfig, writeConfig, type KvContext } from "./store.js";
import { formatDuration } from "./wire.js";

const fields = {
  max_versions: { type: "int", description: "Versions kept per key; 0 keeps 10." },
  cas_required: { type: "bool", description: "Require the cas option on every write." },
  delete_version_after: { type: "duration", description: "Time after which new versions read as deleted." },
} as const;

export const configPath = (ctx: KvContext) =>
  definePath({
    pattern: "config",
    fields,
    operations: {
      read: async (req) => {
        const config = await readConfig(req.storage);
        return {
          data: {
            cas_required: config.casRequired,
            delete_version_after: formatDuration(config.deleteVersionAfter),
            max_versions: config.maxVersions,
          },
        };
      },
      update: (req, values) =>
        ctx.locks.run("", async () => {
          if (values.max_versions !== undefined && values.max_versions < 0) {
            throw new BadRequest('"max_versions" must not be negative');
          }
          const config = await readConfig(req.storage);
          await writeConfig(req.storage, {
            maxVersions: values.max_versions ?? config.maxVersions,
            casRequired: values.cas_required ?? config.casRequired,
            deleteVersionAfter: values.delete_version_after ?? config.deleteVersionAfter,
          });
          return undefined;
        }),
    },
    help: "Configures versioning defaults for every key of the mount.",
  });
