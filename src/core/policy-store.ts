/**
 * Stores ACL policies (text as written, parsed on load) and hands the pipeline a compiled ACL per
 * set of policy names. `root` is built in and immutable; `default` is created at initialization,
 * editable and undeletable. Policy text is re-read per request through a cache that every write
 * invalidates, so a policy change applies to existing tokens at once (tokens hold names, not rules).
 */
import { z } from "zod";
import { compileAcl, parsePolicy, DEFAULT_POLICY_HCL, type Acl, type Policy } from "../policy/index.js";
import { BadRequest } from "./errors.js";
import type { StorageView } from "./request.js";

const storedSchema = z.object({ name: z.string(), policy: z.string() });

/** Told about every lookup in a cache, for hit-rate metrics. Must be cheap and never throw. */
export interface CacheObserver {
  hit(): void;
  miss(): void;
}

export const ROOT = "root";
export const DEFAULT = "default";

export class PolicyStore {
  private readonly policies = new Map<string, Policy | null>();
  private acls = new Map<string, Acl>();
  /** The same, by the identity of a caller's (frozen, shared) policy list: no key to build per request. */
  private aclsByList = new WeakMap<readonly string[], Acl>();

  constructor(
    private readonly storage: StorageView,
    private readonly aclCache?: CacheObserver,
  ) {}

  /** Creates the default policy unless present. */
  async ensureDefaults(): Promise<void> {
    if (!(await this.storage.read(DEFAULT, storedSchema))) {
      await this.put(DEFAULT, DEFAULT_POLICY_HCL);
    }
  }

  async get(name: string): Promise<Policy | undefined> {
    const key = name.toLowerCase();
    if (!this.policies.has(key)) {
      const stored = await this.storage.read(key, storedSchema);
      this.policies.set(key, stored ? parsePolicy(stored.name, stored.policy) : null);
    }
    return this.policies.get(key) ?? undefined;
  }

  async put(name: string, text: string): Promise<Policy> {
    const key = checkName(name);
    if (key === ROOT) throw new BadRequest("cannot update root policy");
    const policy = parsePolicy(key, text);
    await this.storage.write(key, { name: key, policy: text });
    this.invalidate(key);
    return policy;
  }

  async delete(name: string): Promise<void> {
    const key = checkName(name);
    if (key === ROOT) throw new BadRequest("cannot delete root policy");
    if (key === DEFAULT) throw new BadRequest("cannot delete default policy");
    await this.storage.delete(key);
    this.invalidate(key);
  }

  async list(): Promise<string[]> {
    const names = (await this.storage.list("")).filter((n) => !n.endsWith("/"));
    return [...new Set([...names, ROOT])].sort();
  }

  /** The compiled ACL for a token's policy names; missing policies are skipped (deny by default). */
  async acl(names: readonly string[]): Promise<Acl> {
    const known = this.aclsByList.get(names);
    if (known) {
      this.aclCache?.hit();
      return known;
    }
    const key = [...names].sort().join("\n");
    const cached = this.acls.get(key);
    if (cached) {
      this.aclCache?.hit();
      if (Object.isFrozen(names)) this.aclsByList.set(names, cached);
      return cached;
    }
    this.aclCache?.miss();
    const acls = this.acls;
    const policies: Policy[] = [];
    for (const name of names) {
      if (name === ROOT) policies.push({ name: ROOT, rules: [], raw: "" });
      else {
        const p = await this.get(name);
        if (p) policies.push(p);
      }
    }
    const acl = compileAcl(policies);
    // Only if nothing invalidated the cache while the policies were being read.
    if (this.acls === acls) {
      acls.set(key, acl);
      if (Object.isFrozen(names)) this.aclsByList.set(names, acl);
    }
    return acl;
  }

  invalidate(name?: string): void {
    if (name === undefined) this.policies.clear();
    else this.policies.delete(name);
    this.acls = new Map();
    this.aclsByList = new WeakMap();
  }
}

function checkName(name: string): string {
  const key = name.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._@-]*$/.test(key) || key.length > 128) {
    throw new BadRequest(`invalid policy name "${name.slice(0, 64)}"`);
  }
  return key;
}
