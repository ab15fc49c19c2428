/** auth/token/renew, renew-self and renew-accessor: extend a token's TTL within its limits. */
import { definePath, type PathSpec } from "../../framework/backend.js";
import { BadRequest } from "../../core/errors.js";
import type { Request, Response } from "../../core/request.js";
import type { TokenEntry } from "../../token/entry.js";
import type { TokenStore } from "../../token/store.js";
import { requireCaller, requireClientToken, requireValue } from "./caller.js";

const increment = {
  type: "duration",
  default: 0,
  description: "Requested TTL from now; 0 renews for the token's original TTL.",
} as const;

/** `shownToken` is what the auth block echoes as client_token: "" when renewing by accessor, as Vault. */
async function renewEntry(
  store: TokenStore,
  entry: TokenEntry | undefined,
  seconds: number,
  shownToken: string,
): Promise<Response> {
  if (!entry) throw new BadRequest("token not found");
  const renewed = await store.renew(entry, seconds);
  const warnings = renewed.warnings.length > 0 ? { warnings: renewed.warnings } : {};
  return { data: null, auth: store.authBlock(shownToken, renewed.entry), ...warnings };
}

async function renewToken(
  store: TokenStore,
  req: Request,
  token: string,
  seconds: number,
): Promise<Response> {
  requireCaller(req);
  const entry = await store.lookup(token, { includeSpent: token === req.clientToken });
  return renewEntry(store, entry, seconds, token);
}

export function renewPaths(store: TokenStore): PathSpec[] {
  return [
    definePath({
      pattern: "renew",
      fields: { token: { type: "string", description: "Token to renew." }, increment },
      operations: {
        update: (req, v) => renewToken(store, req, requireValue(v.token, "missing token ID"), v.increment),
      },
      help: "Renews a token.",
    }),
    definePath({
      pattern: "renew-self",
      fields: { increment },
      operations: { update: (req, v) => renewToken(store, req, requireClientToken(req), v.increment) },
      help: "Renews the calling token.",
    }),
    definePath({
      pattern: "renew-accessor",
      fields: { accessor: { type: "string", description: "Accessor of the token to renew." }, increment },
      operations: {
        update: async (req, v) => {
          requireCaller(req);
          const entry = await store.lookupAccessor(requireValue(v.accessor, "missing accessor"));
          if (!entry) throw new BadRequest("invalid accessor");
          return renewEntry(store, entry, v.increment, "");
        },
      },
      help: "Renews the token with this accessor.",
    }),
  ];
}
