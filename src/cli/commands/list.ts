import type { Command } from "commander";
import { keysOf } from "../../client/vault-client.js";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { printKeys } from "./kv-list.js";

/** `list PATH`: GET PATH/?list=true. */
export function registerList(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "list", "List the keys under any path").argument(
    "<path>",
    "API path without /v1/",
  );
  onAction(ctx, command, commonOptions, async ([path = ""], opts) => {
    const client = await ctx.client(opts);
    const secret = await client.list(path);
    const keys = keysOf(secret);
    if (!secret || keys.length === 0) {
      ctx.out.error(`No value found at ${path.endsWith("/") ? path : `${path}/`}`);
      return 2;
    }
    if (ctx.format(opts) === "json") ctx.out.json(secret);
    else printKeys(ctx, keys);
    return 0;
  });
}
