/** LIST auth/token/accessors: every token accessor. Root-protected (sudo), as in Vault. */
import { definePath, type PathSpec } from "../../framework/backend.js";
import type { TokenStore } from "../../token/store.js";
import { requireCaller } from "./caller.js";

export function accessorsPath(store: TokenStore): PathSpec {
  return definePath({
    pattern: "accessors",
    fields: {},
    sudo: true,
    operations: {
      list: async (req) => {
        requireCaller(req);
        return { data: { keys: await store.listAccessors() } };
      },
    },
    help: "Lists token accessors. Requires sudo: accessors can revoke tokens in bulk.",
  });
}
