import { describe, expect, it } from "vitest";
import { BadRequest, NotFound } from "../core/errors.js";
import { PolicyStore } from "../core/policy-store.js";
import type { Operation, Request, Response } from "../core/request.js";
import { PrefixedView } from "../core/view.js";
import { BackendRouter } from "../framework/backend.js";
import { parsePolicy, policyFromRules } from "../policy/index.js";
import { MemoryStorage } from "../storage/memory.js";
import { rulesToVaultJson, runbookPoliciesBackend } from "./runbook-policies.js";

function setup() {
  const store = new PolicyStore(new PrefixedView(new MemoryStorage(), "sys/policy/"));
  const router = new BackendRouter(runbookPoliciesBackend(store));
  const call = async (
    operation: Operation,
    path: string,
    data: Record<string, unknown> = {},
  ): Promise<Response | undefined> => {
    const route = router.match(path);
    if (!route) throw new Error(`no route for "${path}"`);
    const req: Request = {
      id: "r",
      operation,
      path,
      mountPath: "policies/",
      mountType: "system",
      data,
      caller: { namespace: "", remoteAddress: "127.0.0.1" },
      storage: new PrefixedView(new MemoryStorage(), ""),
      headers: {},
    };
    const op = await router.resolveOperation(req, route);
    return router.handle({ ...req, operation: op }, route);
  };
  return { store, router, call };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error("expected a rejection");
}

const production = {
  name: "production",
  rules: [
    {
      path: "prod/*",
      capabilities: ["read"],
      effect: "allow",
      conditions: { time_of_day: [0, 23], source_ip: "10.0.0.0/8" },
    },
  ],
};

describe("runbook policies (/v1/policies)", () => {
  it("routes the collection and single policies", () => {
    const { router } = setup();
    expect(router.match("")?.spec.pattern).toBe("");
    expect(router.match("read-only")?.spec.pattern).toBe(":name");
  });

  it("writes the runbook's policies and reads them back in the same form", async () => {
    const s = setup();
    await s.call("update", "", {
      name: "read-only",
      rules: [{ path: "*", capabilities: ["read"], effect: "allow" }],
    });
    await s.call("update", "", production);
    expect((await s.call("read", "read-only"))?.data).toEqual({
      name: "read-only",
      rules: [{ path: "*", capabilities: ["read"], effect: "allow" }],
    });
    expect((await s.call("read", "production"))?.data).toEqual({
      name: "production",
      rules: [
        {
          path: "prod/*",
          capabilities: ["read"],
          effect: "allow",
          conditions: { source_ip: ["10.0.0.0/8"], time_of_day: [0, 23], timezone: "UTC" },
        },
      ],
    });
    expect((await s.call("list", ""))?.data?.keys).toEqual(["production", "read-only", "root"]);
    expect((await s.call("read", ""))?.data?.policies).toEqual(["production", "read-only", "root"]);
  });

  it("stores Vault JSON text in the shared policy store, so sys/policies/acl sees the same rules", async () => {
    const s = setup();
    await s.call("update", "production", { rules: production.rules });
    const stored = await s.store.get("production");
    expect(stored?.raw).toBe(rulesToVaultJson(policyFromRules("production", production.rules)));
    expect(parsePolicy("production", stored?.raw ?? "").rules).toEqual(
      policyFromRules("production", production.rules).rules,
    );
    // A policy written as HCL is readable in the runbook form too.
    await s.store.put(
      "hcl",
      'path "secret/*" { capabilities = ["list"] }\npath "secret/locked" { capabilities = ["deny"] }',
    );
    expect((await s.call("read", "hcl"))?.data?.rules).toEqual([
      { path: "secret/*", capabilities: ["list"], effect: "allow" },
      { path: "secret/locked", capabilities: [], effect: "deny" },
    ]);
  });

  it("keeps rule order and duplicate paths, and deny effects", async () => {
    const rules = [
      { path: "a/*", capabilities: ["read"], effect: "allow" },
      { path: "a/*", capabilities: ["list"], effect: "allow", conditions: { source_ip: ["192.168.0.0/16"] } },
      { path: "a/secret", capabilities: [], effect: "deny" },
    ];
    const s = setup();
    await s.call("update", "dup", { rules });
    expect((await s.call("read", "dup"))?.data?.rules).toEqual(rules);
  });

  it("refuses invalid input with 400 and answers 404 for unknown policies", async () => {
    const s = setup();
    expect(await rejection(s.call("update", "", { rules: [] }))).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("update", "x", {}))).toBeInstanceOf(BadRequest);
    expect(
      (await rejection(s.call("update", "x", { rules: [{ path: "a", capabilities: ["fly"] }] }))).message,
    ).toMatch(/^failed to parse policy/);
    expect(
      await rejection(
        s.call("update", "x", {
          rules: [{ path: "a", capabilities: ["read"], conditions: { source_ip: "nope" } }],
        }),
      ),
    ).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("update", "root", { rules: production.rules }))).toBeInstanceOf(BadRequest);
    expect(await rejection(s.call("read", "missing"))).toBeInstanceOf(NotFound);
    expect(await rejection(s.call("read", "root"))).toBeInstanceOf(BadRequest);
    await s.call("update", "gone", { rules: production.rules });
    await s.call("delete", "gone");
    expect(await rejection(s.call("read", "gone"))).toBeInstanceOf(NotFound);
  });
});
