import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

const TOKEN_FILE = ".secrethub-token";

/**
 * The token helper: `login` stores the token in ~/.secrethub-token and later commands read it.
 * Invariant: the file is written mode 0600 (owner only), atomically, and never printed.
 */
export function tokenFilePath(homeDir: string): string {
  return join(homeDir, TOKEN_FILE);
}

export async function readStoredToken(homeDir: string): Promise<string | undefined> {
  try {
    const token = (await readFile(tokenFilePath(homeDir), "utf8")).trim();
    return token === "" ? undefined : token;
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
    throw error;
  }
}

export async function storeToken(homeDir: string, token: string): Promise<void> {
  const path = tokenFilePath(homeDir);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, token, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
