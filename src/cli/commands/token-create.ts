import type { Command } from "commander";
import { z } from "zod";
import type { TokenCreateRequest } from "../../client/vault-client.js";
import { boolFlag, collect, commonOptions, intFlag, leaf, onAction, type CliContext } from "../context.js";
import { parseDataArgs } from "../data-args.js";
import { printSecret } from "../print-secret.js";

const options = commonOptions.extend({
  policy: z.array(z.string()).optional(),
  ttl: z.string().optional(),
  explicitMaxTtl: z.string().optional(),
  period: z.string().optional(),
  numUses: intFlag.optional(),
  orphan: boolFlag,
  renewable: boolFlag,
  displayName: z.string().optional(),
  metadata: z.array(z.string()).optional(),
  role: z.string().optional(),
  type: z.string().optional(),
  field: z.string().optional(),
});

/** `token create`: POST auth/token/create (create-orphan with -orphan). Prints the new token: asked for. */
export function registerTokenCreate(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "create", "Create a token")
    .option("--policy <name>", "policy to attach (repeatable)", collect)
    .option("--ttl <duration>", "initial TTL")
    .option("--explicit-max-ttl <duration>", "hard maximum lifetime")
    .option("--period <duration>", "make a periodic token renewed to this period")
    .option("--num-uses <n>", "uses before the token is revoked (0: unlimited)")
    .option("--orphan", "create without a parent (not revoked with its creator)")
    .option("--renewable", "allow renewal (default)")
    .option("--no-renewable", "forbid renewal")
    .option("--display-name <name>", "display name")
    .option("--metadata <k=v>", "metadata (repeatable)", collect)
    .option("--role <name>", "create against a token role")
    .option("--type <type>", "service or batch")
    .option("--field <name>", "print only this field (e.g. token)");
  onAction(ctx, command, options, async (_args, opts) => {
    const request: TokenCreateRequest = {};
    if (opts.policy)
      request.policies = opts.policy
        .flatMap((p) => p.split(","))
        .map((p) => p.trim())
        .filter(Boolean);
    if (opts.ttl !== undefined) request.ttl = opts.ttl;
    if (opts.explicitMaxTtl !== undefined) request.explicit_max_ttl = opts.explicitMaxTtl;
    if (opts.period !== undefined) request.period = opts.period;
    if (opts.numUses !== undefined) request.num_uses = opts.numUses;
    if (opts.renewable !== undefined) request.renewable = opts.renewable;
    if (opts.displayName !== undefined) request.display_name = opts.displayName;
    if (opts.type !== undefined) request.type = opts.type;
    if (opts.metadata) request.meta = stringValues(await parseDataArgs(opts.metadata, ctx));
    const client = await ctx.client(opts);
    const secret = await client.token.create(request, { orphan: opts.orphan === true, role: opts.role });
    return printSecret(ctx, secret, { format: ctx.format(opts), field: opts.field, showToken: true });
  });
}

function stringValues(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}
