// Cubbyhole: private to its token, and wiped when the token is revoked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("cubbyhole over HTTP", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it("is private per token and goes away with the token", async () => {
    const mk = async () =>
      (await api(s.url, "POST", "auth/token/create", { token: s.rootToken, body: { policies: ["default"] } }))
        .body.auth.client_token as string;
    const a = await mk();
    const b = await mk();
    expect((await api(s.url, "PUT", "cubbyhole/note", { token: a, body: { v: "a-secret" } })).status).toBe(
      204,
    );
    expect((await api(s.url, "PUT", "cubbyhole/dir/deep", { token: a, body: { v: "x" } })).status).toBe(204);
    expect((await api(s.url, "GET", "cubbyhole/note", { token: a })).body.data).toEqual({ v: "a-secret" });
    expect((await api(s.url, "GET", "cubbyhole/note", { token: b })).status).toBe(404);
    expect((await api(s.url, "GET", "cubbyhole?list=true", { token: a })).body.data.keys).toEqual([
      "dir/",
      "note",
    ]);

    const before = await s.running.storage.list("");
    expect(before.length).toBeGreaterThan(0);
    const countCubby = async (): Promise<number> => {
      const mounts = (await api(s.url, "GET", "sys/mounts", { token: s.rootToken })).body.data;
      const uuid = mounts["cubbyhole/"].uuid as string;
      const walk = async (prefix: string): Promise<number> => {
        let n = 0;
        for (const c of await s.running.storage.list(prefix))
          n += c.endsWith("/") ? await walk(prefix + c) : 1;
        return n;
      };
      return walk(`logical/${uuid}/`);
    };
    expect(await countCubby()).toBe(2);
    expect((await api(s.url, "POST", "auth/token/revoke-self", { token: a })).status).toBe(204);
    expect(await countCubby()).toBe(0);
  });
});
