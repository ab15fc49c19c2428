#!/usr/bin/env node
/**
 * The `secrethub` executable: `secrethub server ...` starts the server (composition in server/);
 * every other verb is the CLI, which speaks HTTP to a server like any client.
 */
import { homedir } from "node:os";
import { runAuditVerify } from "../audit/verify-command.js";
import { runCli } from "../cli/main.js";
import { ConfigError, loadConfig } from "../server/config.js";
import { startServer, type RunningServer } from "../server/main.js";
import { initDev } from "../server/dev.js";

interface ServerArgs {
  dev: boolean;
  config?: string;
  devSqlite?: string;
  devListen?: string;
}

function parseServerArgs(argv: string[]): ServerArgs {
  const out: ServerArgs = { dev: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = (argv[i] ?? "").replace(/^--?/, "");
    const [name, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ConfigError(`flag -${name} needs a value`);
      return v;
    };
    if (name === "dev") out.dev = inline === undefined || inline === "true";
    else if (name === "config") out.config = value();
    else if (name === "dev-sqlite") out.devSqlite = value();
    else if (name === "dev-listen-address") out.devListen = value();
    else
      throw new ConfigError(
        `unknown flag "${argv[i] ?? ""}" for server (use -dev, -config=FILE, -dev-sqlite=FILE, -dev-listen-address=HOST:PORT)`,
      );
  }
  return out;
}

/**
 * Graceful shutdown (issue #5): the first SIGTERM/SIGINT drains in-flight requests (bounded), flushes
 * audit and closes storage; a second signal exits at once. Installed as soon as the server listens.
 */
function stopOnSignal(running: RunningServer): Promise<number> {
  return new Promise<number>((resolve) => {
    const force = (): void => {
      console.error("Second signal: exiting without finishing shutdown.");
      process.exit(1);
    };
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.once("SIGINT", force);
      process.once("SIGTERM", force);
      console.log(`${signal}: shutting down (finishing in-flight requests)...`);
      running.close().then(
        () => {
          console.log("Shutdown complete.");
          resolve(0);
        },
        (err: unknown) => {
          console.error(`Shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

async function server(argv: string[]): Promise<number> {
  const args = parseServerArgs(argv);
  let config = loadConfig({ ...(args.config ? { file: args.config } : {}), env: process.env, dev: args.dev });
  if (args.devSqlite) config = { ...config, storage: { type: "sqlite", path: args.devSqlite } };
  if (args.devListen) {
    const i = args.devListen.lastIndexOf(":");
    config = {
      ...config,
      listener: {
        ...config.listener,
        host: args.devListen.slice(0, i),
        port: Number(args.devListen.slice(i + 1)),
      },
    };
  }
  const running = await startServer(config);
  const stopped = stopOnSignal(running);
  const where = config.storage.type === "sqlite" ? `sqlite file ${config.storage.path}` : config.storage.type;
  console.log(`SecretHub server listening on ${running.url} (storage: ${where})`);
  if (args.dev) {
    const dev = await initDev(running);
    if (dev) {
      console.log(`\nDev mode: initialized and unsealed. Do not run dev mode in production.\n`);
      console.log(`Unseal Key: ${dev.unsealKey}`);
      console.log(`Root Token: ${dev.rootToken}\n`);
      console.log(`  export SECRETHUB_ADDR='${running.url}'`);
      console.log(`  secrethub login ${dev.rootToken}`);
    } else {
      console.log(
        "Dev mode: storage was already initialized; unseal it with your key (secrethub operator unseal).",
      );
    }
  } else {
    const status = await running.lifecycle.status();
    if (status.recoverySeal) {
      console.log(`Auto-unseal: ${status.type} (the node unseals itself through the key service).`);
    }
    if (!status.initialized && status.recoverySeal) {
      console.log(`\nNot initialized yet. In another shell:`);
      console.log(`  export SECRETHUB_ADDR='${running.url}'`);
      console.log(`  npx secrethub operator init            # prints recovery keys and the root token`);
      console.log(`  npx secrethub login <root token>`);
    } else if (!status.initialized) {
      console.log(`\nNot initialized yet. In another shell:`);
      console.log(`  export SECRETHUB_ADDR='${running.url}'`);
      console.log(`  npx secrethub operator init            # prints unseal keys and the root token`);
      console.log(`  npx secrethub operator unseal <key>    # repeat until the threshold is met`);
      console.log(`  npx secrethub login <root token>`);
    } else if (status.sealed && !status.recoverySeal) {
      console.log(
        `\nSealed. Unseal with: SECRETHUB_ADDR='${running.url}' npx secrethub operator unseal <key>`,
      );
    }
  }
  return stopped;
}

async function main(argv: string[]): Promise<number> {
  // Audit (issue #4): offline verification of a file device's hash chain; needs no server.
  if (argv[0] === "audit" && argv[1] === "verify") {
    return runAuditVerify(argv.slice(2), {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
    });
  }
  if (argv[0] === "server") {
    try {
      return await server(argv.slice(1));
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(`Error: ${err.message}`);
        return 1;
      }
      throw err;
    }
  }
  return runCli(argv, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    homeDir: homedir(),
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
