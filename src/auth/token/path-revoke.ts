/** auth/token/revoke*, with Vault's answers: 204 on success, and for a token that no longer exists. */
import { definePath, type PathSpec } from "../../framework/backend.js";
import { BadRequest } from "../../core/errors.js";
import type { TokenStore } from "../../token/store.js";
import { requireCaller, requireClientToken, requireValue } from "./caller.js";

const tokenField = { token: { type: "string", description: "Token to revoke." } } as const;

export function revokePaths(store: TokenStore): PathSpec[] {
  return [
    definePath({
      pattern: "revoke",
      fields: tokenField,
      operations: {
        update: async (req, v) => {
          requireCaller(req);
          const entry = await store.lookup(requireValue(v.token, "missing token ID"), { includeSpent: true });
          if (entry) await store.revoke(entry);
          return undefined;
        },
      },
      help: "Revokes a token and every token created under it.",
    }),
    definePath({
      pattern: "revoke-self",
      fields: {},
      operations: {
        update: async (req) => {
          requireCaller(req);
          const entry = await store.lookup(requireClientToken(req), { includeSpent: true });
          if (entry) await store.revoke(entry);
          return undefined;
        },
      },
      help: "Revokes the calling token and every token created under it.",
    }),
    definePath({
      pattern: "revoke-accessor",
      fields: { accessor: { type: "string", description: "Accessor of the token to revoke." } },
      operations: {
        update: async (req, v) => {
          requireCaller(req);
          const entry = await store.lookupAccessor(requireValue(v.accessor, "missing accessor"));
          if (!entry) throw new BadRequest("invalid accessor");
          await store.revoke(entry);
          return undefined;
        },
      },
      help: "Revokes the token with this accessor and every token created under it.",
    }),
    definePath({
      pattern: "revoke-orphan",
      fields: tokenField,
      sudo: true,
      operations: {
        update: async (req, v) => {
          requireCaller(req);
          const entry = await store.lookup(requireValue(v.token, "missing token ID"), { includeSpent: true });
          if (entry) await store.revokeOrphan(entry);
          return undefined;
        },
      },
      help: "Revokes a token only; its children become orphans. Requires sudo.",
    }),
  ];
}
