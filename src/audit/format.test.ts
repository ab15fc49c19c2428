import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../core/audit-port.js";
import type { AuthBlock, Request, Response } from "../core/request.js";
import { PrefixedView } from "../core/view.js";
import { MemoryStorage } from "../storage/memory.js";
import { formatEntry, type FormatOptions } from "./format.js";
import { newSalt, rawHasher, saltedHasher } from "./salt.js";

const TOKEN = "hvs.CLIENTtokenVALUE123456";
const salt = newSalt();
const h = saltedHasher(salt);
const opts: FormatOptions = { hash: h, hmacAccessor: true, elideListResponses: false };

function record(over: Partial<Request> = {}, rest: Partial<AuditRecord> = {}): AuditRecord {
  const request: Request = {
    id: "req-1",
    operation: "update",
    path: "data/app",
    mountPath: "secret/",
    mountType: "kv",
    data: { data: { password: "hunter2", port: 5432 } },
    caller: {
      namespace: "",
      remoteAddress: "10.0.0.7",
      token: {
        accessor: "ACCESSORvalue",
        policies: ["default", "app"],
        displayName: "token-alice",
        entityId: "ent-1",
        metadata: { team: "blue" },
        idHash: "idhash",
        orphan: false,
      },
    },
    storage: new PrefixedView(new MemoryStorage(), "x/"),
    headers: { "x-vault-token": TOKEN },
    ...over,
  };
  return { request, fullPath: "secret/data/app", clientToken: TOKEN, ...rest };
}

describe("formatEntry", () => {
  it("writes a Vault-format request entry with secrets HMAC'd and metadata in clear", () => {
    const e = formatEntry("request", record(), "2026-01-01T00:00:00.000Z", opts);
    expect(e).toEqual({
      time: "2026-01-01T00:00:00.000Z",
      type: "request",
      auth: {
        client_token: h(TOKEN),
        accessor: h("ACCESSORvalue"),
        display_name: "token-alice",
        policies: ["default", "app"],
        token_policies: ["default", "app"],
        metadata: { team: "blue" },
        entity_id: "ent-1",
        token_type: "service",
      },
      request: {
        id: "req-1",
        operation: "update",
        mount_type: "kv",
        mount_point: "secret/",
        path: "secret/data/app",
        namespace: { id: "root" },
        remote_address: "10.0.0.7",
        client_token: h(TOKEN),
        client_token_accessor: h("ACCESSORvalue"),
        data: { data: { password: h("hunter2"), port: 5432 } },
      },
      error: "",
    });
    expect(JSON.stringify(e)).not.toContain("hunter2");
    expect(JSON.stringify(e)).not.toContain(TOKEN);
  });

  it("writes the response with its data, granted token and status HMAC'd as Vault does", () => {
    const auth: AuthBlock = {
      client_token: "hvs.NEWtoken",
      accessor: "NEWaccessor",
      policies: ["default"],
      token_policies: ["default"],
      identity_policies: null,
      metadata: null,
      lease_duration: 3600,
      renewable: true,
      entity_id: "",
      token_type: "service",
      orphan: false,
      mfa_requirement: null,
      num_uses: 0,
    };
    const response: Response = {
      data: { data: { password: "hunter2" }, metadata: { version: 3 } },
      auth,
      warnings: ["w"],
      secret: { type: "kv", ttlSeconds: 60, renewable: false, internal: { password: "inner-secret" } },
    };
    const e = formatEntry("response", record({}, { response, status: 200 }), "t", opts);
    expect(e.response).toEqual({
      mount_type: "kv",
      mount_point: "secret/",
      data: { data: { password: h("hunter2") }, metadata: { version: 3 } },
      auth: {
        client_token: h("hvs.NEWtoken"),
        accessor: h("NEWaccessor"),
        policies: ["default"],
        token_policies: ["default"],
        metadata: null,
        entity_id: "",
        token_type: "service",
        lease_duration: 3600,
        renewable: true,
        num_uses: 0,
      },
      secret: { type: "kv", ttl: 60, renewable: false },
      warnings: ["w"],
      status_code: 200,
    });
    const text = JSON.stringify(e);
    for (const secret of ["hunter2", "hvs.NEWtoken", "NEWaccessor", "inner-secret"])
      expect(text).not.toContain(secret);
  });

  it("HMACs a raw response body (sys/init's keys and root token)", () => {
    const raw = { status: 200, body: { keys: ["k1"], root_token: "hvs.ROOT" } };
    const e = formatEntry("response", record({}, { response: { raw }, status: 200 }), "t", opts);
    expect(e.response).toMatchObject({ data: { keys: [h("k1")], root_token: h("hvs.ROOT") } });
  });

  it("records the error of a failed request on the response entry only", () => {
    const failed = record({}, { error: "permission denied", status: 403 });
    expect(formatEntry("request", failed, "t", opts).error).toBe("");
    const e = formatEntry("response", failed, "t", opts);
    expect(e.error).toBe("permission denied");
    expect(e.response).toEqual({ status_code: 403 });
  });

  it("leaves accessors in clear with hmac_accessor=false, and everything with log_raw", () => {
    const plain = formatEntry("request", record(), "t", { ...opts, hmacAccessor: false });
    expect(plain.auth).toMatchObject({ accessor: "ACCESSORvalue", client_token: h(TOKEN) });
    expect(plain.request).toMatchObject({ client_token_accessor: "ACCESSORvalue" });
    const raw = formatEntry("request", record(), "t", { ...opts, hash: rawHasher });
    expect(raw.request).toMatchObject({ client_token: TOKEN, data: { data: { password: "hunter2" } } });
  });

  it("elides list responses to counts when asked", () => {
    const response: Response = { data: { keys: ["a", "b", "c"], key_info: { a: {}, b: {} } } };
    const rec = record({ operation: "list", data: {} }, { response });
    const elided = formatEntry("response", rec, "t", { ...opts, elideListResponses: true });
    expect(elided.response).toMatchObject({ data: { keys: 3, key_info: 2 } });
    expect(elided.request).not.toHaveProperty("data");
    const full = formatEntry("response", rec, "t", opts);
    expect(full.response).toMatchObject({ data: { keys: [h("a"), h("b"), h("c")] } });
  });

  it("writes unauthenticated requests without a caller, and namespaces by path", () => {
    const rec = record(
      { caller: { namespace: "team-a/", remoteAddress: "::1" } },
      { clientToken: undefined },
    );
    const e = formatEntry("request", rec, "t", opts);
    expect(e.auth).toEqual({});
    expect(e.request).toMatchObject({ namespace: { id: "team-a/", path: "team-a/" } });
    expect(e.request).not.toHaveProperty("client_token");
  });
});
