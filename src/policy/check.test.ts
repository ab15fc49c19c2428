import { describe, expect, it } from "vitest";
import type { CheckContext, Operation } from "./check.js";
import { compileAcl, ROOT_POLICY } from "./compile.js";
import { DEFAULT_POLICY_HCL, DEFAULT_POLICY_NAME } from "./default-policy.js";
import { buildIndex, lowerPriority, type PatternEntry } from "./match.js";
import { parsePolicy } from "./parse.js";

const CTX: CheckContext = { remoteAddress: "10.0.0.5", now: new Date("2024-06-01T12:00:00Z") };

function aclOf(...texts: string[]) {
  return compileAcl(texts.map((text, i) => parsePolicy(`p${i}`, text)));
}

function allowed(acl: ReturnType<typeof aclOf>, path: string, op: Operation, data?: Record<string, unknown>) {
  return acl.check(path, op, { ...CTX, ...(data ? { data } : {}) }).allowed;
}

describe("pattern matching", () => {
  it("denies by default", () => {
    const acl = aclOf(`path "secret/a" { capabilities = ["read"] }`);
    expect(acl.check("secret/b", "read", CTX)).toEqual({
      allowed: false,
      sudo: false,
      capabilities: [],
      reason: "no policy grants access to this path",
    });
  });

  it("matches exact paths exactly", () => {
    const acl = aclOf(`path "secret/a" { capabilities = ["read"] }`);
    expect(allowed(acl, "secret/a", "read")).toBe(true);
    expect(allowed(acl, "secret/ab", "read")).toBe(false);
    expect(allowed(acl, "secret/a/b", "read")).toBe(false);
    expect(allowed(acl, "secret/a", "update")).toBe(false);
  });

  it("treats a trailing * as a prefix match, not a segment glob", () => {
    const acl = aclOf(`path "secret/zip-*" { capabilities = ["read"] }`);
    expect(allowed(acl, "secret/zip-zap", "read")).toBe(true);
    expect(allowed(acl, "secret/zip-zap/zong", "read")).toBe(true);
    expect(allowed(acl, "secret/zip-", "read")).toBe(true);
    expect(allowed(acl, "secret/zi", "read")).toBe(false);
  });

  it("treats * elsewhere as a literal character, as Vault does", () => {
    const acl = aclOf(`path "secret/*/x" { capabilities = ["read"] }`);
    expect(allowed(acl, "secret/*/x", "read")).toBe(true);
    expect(allowed(acl, "secret/a/x", "read")).toBe(false);
  });

  it("matches + against exactly one segment", () => {
    const acl = aclOf(
      `path "secret/+/teamb" { capabilities = ["read"] }`,
      `path "+/metadata" { capabilities = ["list"] }`,
    );
    expect(allowed(acl, "secret/foo/teamb", "read")).toBe(true);
    expect(allowed(acl, "secret/bar/teamb", "read")).toBe(true);
    expect(allowed(acl, "secret/teamb", "read")).toBe(false);
    expect(allowed(acl, "secret/foo/bar/teamb", "read")).toBe(false);
    expect(allowed(acl, "secret/foo/teamb/x", "read")).toBe(false);
    expect(allowed(acl, "kv/metadata", "list")).toBe(true);
  });

  it("combines + with a trailing prefix glob", () => {
    const acl = aclOf(`path "secret/+/team-*" { capabilities = ["read"] }`);
    expect(allowed(acl, "secret/a/team-b", "read")).toBe(true);
    expect(allowed(acl, "secret/a/team-b/deep/er", "read")).toBe(true);
    expect(allowed(acl, "secret/a/other", "read")).toBe(false);
    expect(allowed(acl, "secret/team-b", "read")).toBe(false);
  });

  it("lists a directory whether or not the request path ends in /", () => {
    const acl = aclOf(`path "secret/metadata/" { capabilities = ["list"] }`);
    expect(allowed(acl, "secret/metadata/", "list")).toBe(true);
    expect(allowed(acl, "secret/metadata", "list")).toBe(true);
    expect(allowed(acl, "secret/metadata", "read")).toBe(false);
    const bare = aclOf(`path "secret/metadata" { capabilities = ["list"] }`);
    expect(allowed(bare, "secret/metadata/", "list")).toBe(true);
  });
});

describe("precedence between different patterns (Vault's priority rules)", () => {
  it("an exact path beats every glob", () => {
    const acl = aclOf(
      `path "secret/foo" { capabilities = ["read"] }`,
      `path "secret/foo*" { capabilities = ["update"] }`,
      `path "secret/+" { capabilities = ["delete"] }`,
    );
    expect(acl.check("secret/foo", "read", CTX).capabilities).toEqual(["read"]);
    expect(allowed(acl, "secret/foo", "update")).toBe(false);
    expect(allowed(acl, "secret/foo", "delete")).toBe(false);
  });

  it("a later first wildcard wins (secret/foo/* beats secret/+/bar)", () => {
    const acl = aclOf(
      `path "secret/+/bar" { capabilities = ["update"] }`,
      `path "secret/foo/*" { capabilities = ["read"] }`,
    );
    expect(acl.check("secret/foo/bar", "read", CTX).capabilities).toEqual(["read"]);
    expect(acl.check("secret/baz/bar", "update", CTX).capabilities).toEqual(["update"]);
  });

  it("at the same position, a pattern not ending in * wins (secret/+/x beats secret/*)", () => {
    const acl = aclOf(
      `path "secret/*" { capabilities = ["read", "update"] }`,
      `path "secret/+/x" { capabilities = ["read"] }`,
    );
    expect(allowed(acl, "secret/a/x", "read")).toBe(true);
    expect(allowed(acl, "secret/a/x", "update")).toBe(false);
    expect(allowed(acl, "secret/a/y", "update")).toBe(true);
  });

  it("fewer + segments win", () => {
    const acl = aclOf(
      `path "secret/+/+/x" { capabilities = ["read"] }`,
      `path "secret/+/y/x" { capabilities = ["update"] }`,
    );
    expect(acl.check("secret/a/y/x", "read", CTX).capabilities).toEqual(["update"]);
    expect(acl.check("secret/a/z/x", "read", CTX).capabilities).toEqual(["read"]);
  });

  it("the longer pattern wins", () => {
    const acl = aclOf(
      `path "secret/+/a*" { capabilities = ["read"] }`,
      `path "secret/+/ab*" { capabilities = ["update"] }`,
      `path "kv/a*" { capabilities = ["read"] }`,
      `path "kv/abc*" { capabilities = ["update"] }`,
    );
    expect(acl.check("secret/x/abc", "read", CTX).capabilities).toEqual(["update"]);
    expect(acl.check("secret/x/acc", "read", CTX).capabilities).toEqual(["read"]);
    expect(acl.check("kv/abcd", "read", CTX).capabilities).toEqual(["update"]);
    expect(acl.check("kv/abd", "read", CTX).capabilities).toEqual(["read"]);
  });

  it("does not merge capabilities across different patterns", () => {
    const acl = aclOf(
      `path "secret/*" { capabilities = ["create", "update"] }`,
      `path "secret/team/*" { capabilities = ["read"] }`,
    );
    expect(allowed(acl, "secret/team/x", "read")).toBe(true);
    expect(allowed(acl, "secret/team/x", "update")).toBe(false);
  });

  it("a deny on a broader pattern does not reach a more specific allow", () => {
    const acl = aclOf(
      `path "secret/*" { capabilities = ["deny"] }`,
      `path "secret/public/*" { capabilities = ["read"] }`,
    );
    expect(allowed(acl, "secret/public/x", "read")).toBe(true);
    expect(allowed(acl, "secret/private/x", "read")).toBe(false);
  });
});

describe("the same pattern in several policies", () => {
  it("unions capabilities", () => {
    const acl = aclOf(
      `path "secret/shared" { capabilities = ["read"] }`,
      `path "secret/shared" { capabilities = ["update", "sudo"] }`,
    );
    expect(acl.check("secret/shared", "update", CTX)).toEqual({
      allowed: true,
      sudo: true,
      capabilities: ["read", "sudo", "update"],
    });
  });

  it("lets deny win over everything, sudo included, in any order", () => {
    const allow = `path "secret/x" { capabilities = ["read", "update", "sudo"] }`;
    const deny = `path "secret/x" { capabilities = ["deny"] }`;
    for (const acl of [aclOf(allow, deny), aclOf(deny, allow)]) {
      expect(acl.check("secret/x", "read", CTX)).toEqual({
        allowed: false,
        sudo: false,
        capabilities: ["deny"],
        reason: "denied by policy",
      });
      expect(acl.capabilities("secret/x", CTX)).toEqual(["deny"]);
    }
  });

  it("merges parameter constraints: listed values append, [] absorbs, required unions", () => {
    const acl = aclOf(
      `path "app/config" {
        capabilities = ["update"]
        required_parameters = ["env"]
        allowed_parameters = {
          "env" = ["dev"]
          "size" = ["small"]
        }
      }`,
      `path "app/config" {
        capabilities = ["create"]
        required_parameters = ["owner"]
        allowed_parameters = {
          "env" = ["prod"]
          "size" = []
          "owner" = []
        }
      }`,
    );
    const write = (data: Record<string, unknown>) => allowed(acl, "app/config", "update", data);
    expect(write({ env: "dev", owner: "me" })).toBe(true);
    expect(write({ env: "prod", owner: "me", size: "huge" })).toBe(true);
    expect(write({ env: "qa", owner: "me" })).toBe(false);
    expect(write({ env: "dev" })).toBe(false);
    expect(write({ env: "dev", owner: "me", colour: "red" })).toBe(false);
  });

  it("keeps the lowest wrapping TTLs and checks them against the request", () => {
    const acl = aclOf(
      `path "secret/w" {\n capabilities = ["read"]\n max_wrapping_ttl = "1h" }`,
      `path "secret/w" {\n capabilities = ["read"]\n max_wrapping_ttl = 300\n min_wrapping_ttl = 60 }`,
    );
    const read = (wrapTtlSeconds?: number) =>
      acl.check("secret/w", "read", { ...CTX, ...(wrapTtlSeconds === undefined ? {} : { wrapTtlSeconds }) });
    expect(read(120).allowed).toBe(true);
    expect(read(600)).toMatchObject({ allowed: false, reason: expect.stringMatching(/max_wrapping_ttl/) });
    expect(read(30)).toMatchObject({ allowed: false, reason: expect.stringMatching(/min_wrapping_ttl/) });
    expect(read().allowed).toBe(false);
  });

  it("refuses when merged wrapping bounds cross", () => {
    const acl = aclOf(
      `path "secret/w" {\n capabilities = ["read"]\n min_wrapping_ttl = "2h" }`,
      `path "secret/w" {\n capabilities = ["read"]\n max_wrapping_ttl = "1h" }`,
    );
    for (const wrapTtlSeconds of [1800, 3600, 5400, 7200, 9000]) {
      expect(acl.check("secret/w", "read", { ...CTX, wrapTtlSeconds }).allowed).toBe(false);
    }
  });
});

describe("parameter constraints", () => {
  const acl = aclOf(`
    path "pki/issue/web" {
      capabilities = ["read", "create", "update", "patch", "delete"]
      allowed_parameters = {
        "common_name" = ["*.example.com", "example.*"]
        "ttl" = [3600, "1h"]
        "alt_names" = ["*.example.com"]
        "*" = []
      }
      denied_parameters = {
        "common_name" = ["*evil*"]
        "Format" = ["der"]
      }
    }
    path "secret/ro" {
      capabilities = ["update"]
      denied_parameters = { "*" = [] }
    }
    path "secret/only" {
      capabilities = ["update"]
      allowed_parameters = { "a" = [] }
    }
  `);
  const issue = (data: Record<string, unknown>, op: Operation = "update") =>
    acl.check("pki/issue/web", op, { ...CTX, data });

  it("allows listed values with leading and trailing globs", () => {
    expect(issue({ common_name: "www.example.com" }).allowed).toBe(true);
    expect(issue({ common_name: "example.org" }).allowed).toBe(true);
    expect(issue({ common_name: "www.example.org" })).toMatchObject({
      allowed: false,
      reason: 'value of parameter "common_name" is not allowed',
    });
  });

  it("lets denied win over allowed, matching names case-insensitively", () => {
    expect(issue({ common_name: "evil.example.com" })).toMatchObject({
      allowed: false,
      reason: 'parameter "common_name" is denied',
    });
    expect(issue({ FORMAT: "der" }).allowed).toBe(false);
    expect(issue({ format: "pem" }).allowed).toBe(true);
  });

  it("compares non-string values exactly and list values element by element", () => {
    expect(issue({ ttl: 3600 }).allowed).toBe(true);
    expect(issue({ ttl: 7200 }).allowed).toBe(false);
    expect(issue({ alt_names: ["a.example.com", "b.example.com"] }).allowed).toBe(true);
    expect(issue({ alt_names: ["a.example.com", "b.evil.org"] }).allowed).toBe(false);
  });

  it("lets * admit unlisted parameters", () => {
    expect(issue({ anything: "goes" }).allowed).toBe(true);
    expect(allowed(acl, "secret/only", "update", { a: 1 })).toBe(true);
    expect(allowed(acl, "secret/only", "update", { b: 1 })).toBe(false);
  });

  it("refuses any parameter under denied *, but not an empty body", () => {
    expect(allowed(acl, "secret/ro", "update", { a: 1 })).toBe(false);
    expect(allowed(acl, "secret/ro", "update", {})).toBe(true);
  });

  it("checks create, patch and read (query parameters, as Vault) but not delete", () => {
    const bad = { common_name: "www.example.org" };
    expect(issue(bad, "create").allowed).toBe(false);
    expect(issue(bad, "patch").allowed).toBe(false);
    expect(issue(bad, "read").allowed).toBe(false);
    expect(issue(bad, "delete").allowed).toBe(true);
  });

  it("requires required parameters", () => {
    const req = aclOf(`path "x" {\n capabilities = ["create"]\n required_parameters = ["name"] }`);
    expect(req.check("x", "create", { ...CTX, data: {} }).reason).toBe('missing required parameter "name"');
    expect(allowed(req, "x", "create", { name: "n" })).toBe(true);
  });
});

describe("root, sudo and capabilities", () => {
  it("allows everything for the root policy", () => {
    const acl = compileAcl([parsePolicy(ROOT_POLICY, ""), parsePolicy("p", `path "x" { policy = "deny" }`)]);
    expect(acl.root).toBe(true);
    expect(acl.check("x", "delete", CTX)).toEqual({ allowed: true, sudo: true, capabilities: ["root"] });
    expect(acl.capabilities("sys/audit", CTX)).toEqual(["root"]);
  });

  it("reports sudo on the winning rule", () => {
    const acl = aclOf(`path "sys/audit*" { capabilities = ["read", "sudo"] }`);
    expect(acl.root).toBe(false);
    expect(acl.check("sys/audit", "read", CTX)).toMatchObject({ allowed: true, sudo: true });
    expect(acl.check("sys/audit/file", "update", CTX)).toMatchObject({ allowed: false, sudo: true });
  });

  it("lists capabilities sorted, and deny when nothing is granted", () => {
    const acl = aclOf(`path "secret/*" { capabilities = ["update", "read", "list", "create"] }`);
    expect(acl.capabilities("secret/a", CTX)).toEqual(["create", "list", "read", "update"]);
    expect(acl.capabilities("other", CTX)).toEqual(["deny"]);
    expect(aclOf(`path "x" { capabilities = [] }`).capabilities("x", CTX)).toEqual(["deny"]);
  });
});

describe("the default policy", () => {
  const acl = compileAcl([parsePolicy(DEFAULT_POLICY_NAME, DEFAULT_POLICY_HCL)]);

  it.each<[string, Operation]>([
    ["auth/token/lookup-self", "read"],
    ["auth/token/renew-self", "update"],
    ["auth/token/revoke-self", "update"],
    ["sys/capabilities-self", "update"],
    ["sys/internal/ui/resultant-acl", "read"],
    ["sys/leases/renew", "update"],
    ["cubbyhole/my/secret", "create"],
    ["cubbyhole/", "list"],
    ["sys/wrapping/unwrap", "update"],
    ["sys/tools/hash/sha2-256", "update"],
    ["identity/oidc/provider/default/authorize", "read"],
  ])("lets a token use %s (%s)", (path, op) => {
    expect(acl.check(path, op, CTX).allowed).toBe(true);
  });

  it.each<[string, Operation]>([
    ["secret/data/x", "read"],
    ["auth/token/lookup", "update"],
    ["sys/policies/acl/default", "update"],
    ["sys/wrapping/rewrap", "update"],
  ])("gives nothing on %s (%s)", (path, op) => {
    expect(acl.check(path, op, CTX).allowed).toBe(false);
  });
});

describe("lowerPriority", () => {
  const entry = (pattern: string): PatternEntry => {
    const index = buildIndex([parsePolicy("p", `path "${pattern}" { capabilities = ["read"] }`)]);
    const found = index.segmentPatterns[0] ?? index.prefixes[0];
    if (!found) throw new Error("no entry");
    return found;
  };

  it("breaks a full tie lexicographically, the smaller path losing", () => {
    expect(lowerPriority(entry("secret/+/a"), entry("secret/+/b"), 1, 1)).toBe(true);
    expect(lowerPriority(entry("secret/+/b"), entry("secret/+/a"), 1, 1)).toBe(false);
  });
});

describe("structured parameter values", () => {
  const acl = compileAcl([
    parsePolicy(
      "p",
      JSON.stringify({
        path: {
          "app/opts": {
            capabilities: ["update"],
            allowed_parameters: { opts: [{ mode: "fast", tags: ["a"] }], enabled: [true] },
          },
        },
      }),
    ),
  ]);

  it("compares objects, arrays and booleans by value", () => {
    const write = (data: Record<string, unknown>) =>
      acl.check("app/opts", "update", { ...CTX, data }).allowed;
    expect(write({ opts: { tags: ["a"], mode: "fast" } })).toBe(true);
    expect(write({ opts: { mode: "fast" } })).toBe(false);
    expect(write({ opts: { mode: "fast", tags: ["b"] } })).toBe(false);
    expect(write({ opts: { mode: "fast", tags: "a" } })).toBe(false);
    expect(write({ opts: { mode: "fast", tags: ["a"], extra: 1 } })).toBe(false);
    expect(write({ enabled: true })).toBe(true);
    expect(write({ enabled: "true" })).toBe(false);
    expect(write({ enabled: null })).toBe(false);
  });
});
