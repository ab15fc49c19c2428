/** auth/token/lookup, lookup-self and lookup-accessor: Vault's token lookup data. */
import { definePath, type PathSpec } from "../../framework/backend.js";
import { BadRequest, PermissionDenied } from "../../core/errors.js";
import type { Request, Response } from "../../core/request.js";
import type { TokenStore } from "../../token/store.js";
import { requireCaller, requireClientToken, requireValue } from "./caller.js";

async function lookupToken(store: TokenStore, req: Request, token: string): Promise<Response> {
  requireCaller(req);
  // The caller's own token may be on its last use (this request); it is still shown.
  const entry = await store.lookup(token, { includeSpent: token === req.clientToken });
  if (!entry) throw new PermissionDenied("bad token");
  return { data: store.lookupData(entry, token) };
}

export function lookupPaths(store: TokenStore): PathSpec[] {
  const self = (req: Request): Promise<Response> => lookupToken(store, req, requireClientToken(req));
  return [
    definePath({
      pattern: "lookup",
      fields: { token: { type: "string", description: "Token to look up; the caller's own when empty." } },
      operations: {
        // As Vault: no token given means the caller's own.
        update: (req, v) => lookupToken(store, req, v.token || requireClientToken(req)),
        read: (req) => self(req),
      },
      help: "Returns the properties of a token.",
    }),
    definePath({
      pattern: "lookup-self",
      fields: {},
      operations: { read: (req) => self(req), update: (req) => self(req) },
      help: "Returns the properties of the calling token, including its id.",
    }),
    definePath({
      pattern: "lookup-accessor",
      fields: { accessor: { type: "string", description: "Accessor of the token to look up." } },
      operations: {
        update: async (req, v) => {
          requireCaller(req);
          const entry = await store.lookupAccessor(requireValue(v.accessor, "missing accessor"));
          if (!entry) throw new BadRequest("invalid accessor");
          return { data: store.lookupData(entry) };
        },
      },
      help: "Returns the properties of the token with this accessor (its id is never shown).",
    }),
  ];
}
