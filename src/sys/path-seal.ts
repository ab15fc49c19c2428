/** sys/init, sys/unseal, sys/seal-status, sys/seal, sys/health, sys/leader: Vault's wire shapes. */
import { BadRequest } from "../core/errors.js";
import { parseUnsealKey } from "../core/seal.js";
import type { Response } from "../core/request.js";
import { definePath, type PathSpec } from "../framework/backend.js";
import type { SysServices } from "./services.js";

async function sealStatusBody(s: SysServices): Promise<Record<string, unknown>> {
  const st = await s.seal.status();
  return {
    type: st.type,
    initialized: st.initialized,
    sealed: st.sealed,
    t: st.t,
    n: st.n,
    progress: st.progress,
    nonce: "",
    version: s.info.version,
    build_date: s.info.buildDate,
    migration: false,
    recovery_seal: st.recoverySeal,
    storage_type: s.info.storageType,
    ...(st.sealed ? {} : { cluster_name: s.info.clusterName, cluster_id: s.info.clusterId }),
  };
}

const raw = (body: unknown, status = 200): Response => ({ raw: { status, body } });

function healthCode(q: Readonly<Record<string, unknown>>, name: string, fallback: number): number {
  const v = q[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new BadRequest(`invalid ${name}`);
  return n;
}

export function sealPaths(s: SysServices): PathSpec[] {
  return [
    definePath({
      pattern: "init",
      fields: {
        secret_shares: { type: "int" },
        secret_threshold: { type: "int" },
        recovery_shares: { type: "int" },
        recovery_threshold: { type: "int" },
      },
      operations: {
        read: async () => raw({ initialized: (await s.seal.status()).initialized }),
        update: async (_req, v) => {
          const hex = (keys: Uint8Array[]) => keys.map((k) => Buffer.from(k).toString("hex"));
          const b64 = (keys: Uint8Array[]) => keys.map((k) => Buffer.from(k).toString("base64"));
          if ((await s.seal.status()).recoverySeal) {
            // Auto-unseal (Vault): the shares are recovery keys; 5 of 3 unless the request says otherwise.
            const shares = v.recovery_shares ?? v.secret_shares ?? 5;
            const threshold = v.recovery_threshold ?? v.secret_threshold ?? 3;
            const { shares: keys, rootToken } = await s.lifecycle.initialize(shares, threshold);
            return raw({
              keys: [],
              keys_base64: [],
              recovery_keys: hex(keys),
              recovery_keys_base64: b64(keys),
              root_token: rootToken,
            });
          }
          const shares = v.secret_shares ?? v.recovery_shares;
          const threshold = v.secret_threshold ?? v.recovery_threshold;
          if (shares === undefined || threshold === undefined) {
            throw new BadRequest("secret_shares and secret_threshold are required");
          }
          const { shares: keys, rootToken } = await s.lifecycle.initialize(shares, threshold);
          return raw({ keys: hex(keys), keys_base64: b64(keys), root_token: rootToken });
        },
      },
      help: "Initializes the server: splits a new unseal key into shares and returns them with a root token.",
    }),
    definePath({
      pattern: "seal-status",
      fields: {},
      operations: { read: async () => raw(await sealStatusBody(s)) },
      help: "Seal state, threshold and unseal progress.",
    }),
    definePath({
      pattern: "unseal",
      fields: { key: { type: "string" }, reset: { type: "bool", default: false }, migrate: { type: "bool" } },
      operations: {
        update: async (_req, v) => {
          if (v.reset) {
            s.seal.reset();
          } else {
            if (!v.key)
              throw new BadRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
            await s.lifecycle.submitShare(parseUnsealKey(v.key));
          }
          return raw(await sealStatusBody(s));
        },
      },
      help: "Submits one unseal key share (hex or base64), or resets progress.",
    }),
    definePath({
      pattern: "seal",
      fields: {},
      sudo: true,
      operations: {
        update: async () => {
          await s.lifecycle.seal();
          return undefined;
        },
      },
      help: "Seals the server: keys leave memory; every request answers 503 until unsealed.",
    }),
    definePath({
      pattern: "health",
      fields: {},
      operations: {
        read: async (req) => {
          const st = await s.seal.status();
          const q = req.data;
          const code = !st.initialized
            ? healthCode(q, "uninitcode", 501)
            : st.sealed
              ? healthCode(q, "sealedcode", 503)
              : healthCode(q, "activecode", 200);
          return raw(
            {
              initialized: st.initialized,
              sealed: st.sealed,
              standby: false,
              performance_standby: false,
              replication_performance_mode: "disabled",
              replication_dr_mode: "disabled",
              server_time_utc: Math.floor(s.now() / 1000),
              version: s.info.version,
              hostname: s.info.hostname,
              ...(st.sealed ? {} : { cluster_name: s.info.clusterName, cluster_id: s.info.clusterId }),
            },
            code,
          );
        },
      },
      help: "Health for load balancers: 200 active, 429 standby, 501 uninitialized, 503 sealed.",
    }),
    definePath({
      pattern: "leader",
      fields: {},
      operations: {
        read: () =>
          Promise.resolve(
            raw({
              ha_enabled: false,
              is_self: true,
              active_time: s.lifecycle.activeTime?.toISOString() ?? "0001-01-01T00:00:00Z",
              leader_address: s.info.apiAddr,
              leader_cluster_address: "",
              performance_standby: false,
              performance_standby_last_remote_wal: 0,
            }),
          ),
      },
      help: "HA leader information (single node: always self).",
    }),
  ];
}
