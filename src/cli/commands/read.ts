import type { Command } from "commander";
import { z } from "zod";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { parseDataArgs } from "../data-args.js";
import { printSecret } from "../print-secret.js";

const options = commonOptions.extend({ field: z.string().optional() });

/** `read PATH [k=v...]`: GET any path (k=v become query parameters). */
export function registerRead(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "read", "Read data from any path")
    .argument("<path>", "API path without /v1/")
    .argument("[query...]", "key=value query parameters")
    .option("--field <name>", "print only this field");
  onAction(ctx, command, options, async ([path = "", ...pairs], opts) => {
    const query = Object.fromEntries(
      Object.entries(await parseDataArgs(pairs, ctx)).map(([k, v]) => [
        k,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    );
    const client = await ctx.client(opts);
    const secret = await client.read(path, query);
    if (!secret) {
      ctx.out.error(`No value found at ${path}`);
      return 2;
    }
    return printSecret(ctx, secret, { format: ctx.format(opts), field: opts.field, showToken: true });
  });
}
