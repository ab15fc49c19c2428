// A node whose database is away still starts, and answers 503 (retry later), never 500, until the
// database returns. PostgreSQL on a port nobody listens on stands for the outage.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, startServer, type TestServer } from "../helpers/server.js";

describe("storage outage", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({
      uninitialized: true,
      configure: (c) => ({
        ...c,
        storage: {
          type: "postgresql",
          connectionUrl: "postgres://postgres@127.0.0.1:1/test",
          table: "away",
          poolSize: 1,
        },
      }),
    });
  });
  afterAll(() => s.close());

  it("starts, answers 503 with a retryable error, and is not ready", async () => {
    const st = await api(s.url, "GET", "sys/seal-status");
    expect(st.status).toBe(503);
    expect(st.body.errors).toEqual(["storage is unavailable; try again later"]);
    const init = await api(s.url, "PUT", "sys/init", { body: { secret_shares: 1, secret_threshold: 1 } });
    expect(init.status).toBe(503);
    expect((await fetch(`${s.url}/ready`)).status).toBe(503);
  });
});
