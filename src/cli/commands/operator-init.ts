import type { Command } from "commander";
import { boolFlag, commonOptions, intFlag, leaf, onAction, type CliContext } from "../context.js";

const options = commonOptions.extend({
  keyShares: intFlag.default(5),
  keyThreshold: intFlag.default(3),
  recoveryShares: intFlag.default(5),
  recoveryThreshold: intFlag.default(3),
  status: boolFlag,
});

/** `operator init`: PUT sys/init; prints the unseal keys and the root token (the user asked for them). */
export function registerOperatorInit(parent: Command, ctx: CliContext): void {
  const command = leaf(parent, "init", "Initialize the server: create unseal keys and the root token")
    .option("--key-shares <n>", "number of unseal key shares", "5")
    .option("--key-threshold <n>", "shares needed to unseal", "3")
    .option("--recovery-shares <n>", "number of recovery key shares (auto-unseal)", "5")
    .option("--recovery-threshold <n>", "recovery shares needed (auto-unseal)", "3")
    .option("--status", "only report whether the server is initialized (exit 0 yes, 2 no)");
  onAction(ctx, command, options, async (_args, opts) => {
    const client = await ctx.client(opts, null);
    if (opts.status === true) {
      const initialized = await client.sys.initStatus();
      ctx.out.print(initialized ? "Vault is initialized" : "Vault is not initialized");
      return initialized ? 0 : 2;
    }
    const result = await client.sys.init({
      secret_shares: opts.keyShares,
      secret_threshold: opts.keyThreshold,
      recovery_shares: opts.recoveryShares,
      recovery_threshold: opts.recoveryThreshold,
    });
    if (ctx.format(opts) === "json") {
      ctx.out.json(result);
      return 0;
    }
    const recovery = result.recovery_keys_base64 ?? result.recovery_keys;
    if (recovery && recovery.length > 0) {
      const lines = recovery.map((key, i) => `Recovery Key ${i + 1}: ${key}`);
      lines.push("", `Initial Root Token: ${result.root_token}`, "");
      lines.push(
        "Success! Vault is initialized",
        "",
        `Recovery key initialized with ${recovery.length} key shares and a key threshold of ${opts.recoveryThreshold}.`,
        "Please securely distribute the key shares printed above. The server unseals itself through",
        "its key service; recovery keys authorize an unseal after a manual seal.",
      );
      ctx.out.print(lines.join("\n"));
      return 0;
    }
    const keys = result.keys_base64 ?? result.keys;
    const lines = keys.map((key, i) => `Unseal Key ${i + 1}: ${key}`);
    lines.push("", `Initial Root Token: ${result.root_token}`, "");
    lines.push(
      `Vault initialized with ${keys.length} key shares and a key threshold of ${opts.keyThreshold}. Please`,
      "securely distribute the key shares printed above. When the server is re-sealed,",
      `restarted, or stopped, you must supply at least ${opts.keyThreshold} of these keys to unseal it`,
      "before it can start servicing requests.",
    );
    ctx.out.print(lines.join("\n"));
    return 0;
  });
}
