/**
 * sys/audit (list, enable, disable; sudo, as Vault), sys/audit-hash/:path, and SecretHub's
 * additions for the hash chain and the database device: sys/audit/checkpoint/:device,
 * sys/audit/verify/:device and sys/audit/events. The three added names cannot be device paths.
 */
import { UnsupportedOperation } from "../core/errors.js";
import { definePath, type PathSpec } from "../framework/backend.js";
import type { SysServices } from "./services.js";

export function auditPaths(s: SysServices): PathSpec[] {
  return [
    definePath({
      pattern: "audit/:path*",
      fields: {
        path: { type: "string", default: "" },
        type: { type: "string" },
        description: { type: "string", default: "" },
        options: { type: "json" },
        local: { type: "bool", default: false },
      },
      sudo: true,
      operations: {
        read: (_req, v) => {
          if (v.path !== "") throw new UnsupportedOperation();
          return Promise.resolve({ data: s.audit.list(), topLevelData: true });
        },
        update: async (_req, v) => {
          await s.audit.enable(v.path, {
            type: v.type ?? "",
            description: v.description,
            options: v.options,
            local: v.local,
          });
          return undefined;
        },
        delete: async (_req, v) => {
          await s.audit.disable(v.path);
          return undefined;
        },
      },
      help: "Lists (GET sys/audit), enables (PUT) or disables (DELETE) audit devices.",
    }),
    definePath({
      pattern: "audit-hash/:path*",
      fields: { path: { type: "string", required: true }, input: { type: "string", required: true } },
      operations: {
        update: (_req, v) =>
          Promise.resolve({ data: { hash: s.audit.hash(v.path, v.input) }, topLevelData: true }),
      },
      help: "The HMAC of input with the device's salt, to search its log for a known value.",
    }),
    definePath({
      pattern: "audit/checkpoint/:device*",
      fields: { device: { type: "string", required: true } },
      sudo: true,
      operations: { read: async (_req, v) => ({ data: await s.audit.checkpoint(v.device) }) },
      help: "The last stored checkpoint (seq, hash, time) of a device's hash chain, for `audit verify -checkpoint`.",
    }),
    definePath({
      pattern: "audit/verify/:device*",
      fields: { device: { type: "string", required: true } },
      sudo: true,
      operations: { read: async (_req, v) => ({ data: await s.audit.verify(v.device) }) },
      help: "Verifies a file or database device's hash chain as stored, against its current head.",
    }),
    definePath({
      pattern: "audit/events",
      fields: {
        device: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        path_prefix: { type: "string" },
        actor: { type: "string" },
        operation: { type: "string" },
        result: { type: "string" },
        namespace: { type: "string" },
        type: { type: "string" },
        cursor: { type: "string" },
        order: { type: "string" },
        limit: { type: "int" },
      },
      sudo: true,
      operations: {
        read: async (_req, v) => ({
          data: await s.audit.events({
            device: v.device,
            from: v.from,
            to: v.to,
            pathPrefix: v.path_prefix,
            actor: v.actor,
            operation: v.operation,
            result: v.result,
            namespace: v.namespace,
            type: v.type,
            cursor: v.cursor,
            order: v.order,
            limit: v.limit,
          }),
        }),
      },
      help: "Queries the database audit device: from, to, path_prefix, actor, operation, result, namespace, type; limit and cursor paginate.",
    }),
  ];
}
