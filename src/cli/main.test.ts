import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./main.js";

/**
 * runCli against a loopback HTTP server that speaks just enough of Vault's API to check what the CLI
 * sends and how it reports answers. The real server is exercised in test/cli/.
 */
let server: Server;
let address = "";
const requests: { method: string; url: string; token: string | undefined; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const token = req.headers["x-vault-token"];
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        token: typeof token === "string" ? token : undefined,
        body,
      });
      res.setHeader("content-type", "application/json");
      if (req.url === "/v1/sys/seal-status") {
        res.end(
          JSON.stringify({
            type: "shamir",
            initialized: true,
            sealed: true,
            t: 3,
            n: 5,
            progress: 1,
            nonce: "",
          }),
        );
      } else if (req.url === "/v1/auth/token/lookup-self") {
        if (token === "bad") {
          res.statusCode = 403;
          res.end(JSON.stringify({ errors: ["permission denied"] }));
        } else
          res.end(
            JSON.stringify({ data: { accessor: `acc-of-${String(token)}`, policies: ["default"], ttl: 0 } }),
          );
      } else if (req.url === "/v1/auth/people/login/alice") {
        res.end(
          JSON.stringify({
            auth: { client_token: "from-userpass", accessor: "a1", policies: ["dev"], lease_duration: 3600 },
          }),
        );
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ errors: [] }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function run(args: string[], env: Record<string, string>, homeDir: string, stdin = "") {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: () => Promise.resolve(stdin),
    env,
    homeDir,
  });
  return { code, stdout, stderr };
}

const home = () => mkdtempSync(join(tmpdir(), "secrethub-main-test-"));

describe("runCli", () => {
  it("status exits 2 when sealed and shows progress", async () => {
    const result = await run(["status"], { VAULT_ADDR: address }, home());
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^Unseal Progress\s+1\/3$/m);
    expect(result.stdout).not.toMatch(/HA Enabled/);
  });

  it("takes the token from SECRETHUB_TOKEN, then VAULT_TOKEN, then ~/.secrethub-token", async () => {
    const dir = home();
    writeFileSync(join(dir, ".secrethub-token"), "from-file\n");
    const lookup = async (env: Record<string, string>) =>
      JSON.parse(
        (await run(["token", "lookup", "-format=json"], { VAULT_ADDR: address, ...env }, dir)).stdout,
      ).data.accessor;
    expect(await lookup({ SECRETHUB_TOKEN: "a", VAULT_TOKEN: "b" })).toBe("acc-of-a");
    expect(await lookup({ VAULT_TOKEN: "b" })).toBe("acc-of-b");
    expect(await lookup({ SECRETHUB_TOKEN: "" })).toBe("acc-of-from-file");
  });

  it("-address wins over SECRETHUB_ADDR, which wins over VAULT_ADDR", async () => {
    const env = { SECRETHUB_ADDR: address, VAULT_ADDR: "http://127.0.0.1:1" };
    expect((await run(["status"], env, home())).code).toBe(2);
    expect(
      (await run(["status", `-address=${address}`], { VAULT_ADDR: "http://127.0.0.1:1" }, home())).code,
    ).toBe(2);
  });

  it("logs in with userpass at a custom -path, storing the token 0600 without printing it", async () => {
    const dir = home();
    const result = await run(
      ["login", "-method=userpass", "-path=people", "username=alice", "password=pw"],
      { VAULT_ADDR: address },
      dir,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^token_duration\s+1h$/m);
    expect(result.stdout).not.toContain("from-userpass");
    expect(JSON.parse(requests.find((r) => r.url === "/v1/auth/people/login/alice")?.body ?? "")).toEqual({
      password: "pw",
    });
    const file = join(dir, ".secrethub-token");
    expect(readFileSync(file, "utf8")).toBe("from-userpass");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("prints one error line and exit 1 for a 403", async () => {
    const result = await run(["login", "bad"], { VAULT_ADDR: address }, home());
    expect(result).toEqual({ code: 1, stdout: "", stderr: "Error: permission denied (HTTP 403)\n" });
  });
});
