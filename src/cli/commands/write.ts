import type { Command } from "commander";
import { z } from "zod";
import { commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { parseDataArgs } from "../data-args.js";
import { printSecret } from "../print-secret.js";

const options = commonOptions.extend({ field: z.string().optional() });

/** `write PATH k=v k=@file k=- | -`: PUT any path with string values, as the vault CLI sends them. */
export function registerWrite(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "write", "Write data to any path")
    .argument("<path>", "API path without /v1/")
    .argument("[data...]", "key=value, key=@file, key=- (stdin), - (JSON object on stdin)")
    .option("--field <name>", "print only this field");
  onAction(ctx, command, options, async ([path = "", ...pairs], opts) => {
    const data = await parseDataArgs(pairs, ctx);
    const client = await ctx.client(opts);
    const secret = await client.write(path, data);
    if (!secret) {
      ctx.out.success(`Data written to: ${path}`);
      return 0;
    }
    return printSecret(ctx, secret, { format: ctx.format(opts), field: opts.field, showToken: true });
  });
}
