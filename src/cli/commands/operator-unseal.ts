import type { Command } from "commander";
import { boolFlag, commonOptions, leaf, onAction, type CliContext } from "../context.js";
import { UsageError } from "../usage-error.js";
import { printSealStatus } from "./status.js";

const options = commonOptions.extend({ reset: boolFlag });

/** `operator unseal [key]`: PUT sys/unseal; the key comes from stdin when omitted (or "-"). */
export function registerOperatorUnseal(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "unseal", "Provide one unseal key share")
    .argument("[key]", "unseal key (hex or base64); read from stdin when omitted")
    .option("--reset", "discard the key shares given so far");
  onAction(ctx, command, options, async (args, opts) => {
    const client = await ctx.client(opts, null);
    let status;
    if (opts.reset === true) {
      if (args.length > 0) throw new UsageError("-reset takes no key");
      status = await client.sys.unsealReset();
    } else {
      const given = args[0];
      const key = (given === undefined || given === "-" ? await ctx.readStdin() : given).trim();
      if (key === "") throw new UsageError("no unseal key given (argument or stdin)");
      status = await client.sys.unseal(key);
    }
    await printSealStatus(ctx, client, status, ctx.format(opts));
    return 0;
  });
}
