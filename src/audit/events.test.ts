import { describe, expect, it } from "vitest";
import { BadRequest } from "../core/errors.js";
import { eventQuery, page, presentEvent } from "./events.js";

describe("eventQuery", () => {
  it("defaults to the newest 100 responses", () => {
    expect(eventQuery("db/", {}, [])).toEqual({ device: "db/", order: "desc", limit: 100, type: "response" });
  });

  it("maps every filter", () => {
    expect(
      eventQuery(
        "db/",
        {
          from: "2026-01-01T00:00:00Z",
          to: "1767225700",
          pathPrefix: "/secret/",
          actor: "alice",
          operation: "read",
          result: "error",
          namespace: "root",
          type: "all",
          cursor: "40",
          order: "asc",
          limit: 5,
        },
        ["alice", "hmac-sha256:x"],
      ),
    ).toEqual({
      device: "db/",
      order: "asc",
      limit: 5,
      fromMs: Date.UTC(2026, 0, 1),
      toMs: 1767225700000,
      pathPrefix: "secret/",
      actors: ["alice", "hmac-sha256:x"],
      operation: "read",
      result: "error",
      namespace: "",
      afterSeq: 40,
    });
    expect(eventQuery("db/", { namespace: "team-a/", cursor: "9" }, [])).toMatchObject({
      namespace: "team-a",
      beforeSeq: 9,
    });
  });

  it("rejects what it cannot mean", () => {
    for (const bad of [
      { limit: 0 },
      { limit: 1001 },
      { order: "sideways" },
      { cursor: "-1" },
      { cursor: "abc" },
      { from: "yesterday" },
      { operation: "sudo" },
      { result: "maybe" },
      { type: "other" },
    ]) {
      expect(() => eventQuery("db/", bad, [])).toThrow(BadRequest);
    }
  });
});

describe("presentEvent and page", () => {
  const row = {
    device: "db/",
    seq: 7,
    timeMs: Date.UTC(2026, 0, 1),
    type: "response",
    namespace: "",
    actorAccessor: "hmac-sha256:a",
    actorEntityId: "e",
    actorName: "root",
    operation: "read",
    path: "secret/data/x",
    result: "success",
    remoteAddress: "127.0.0.1",
    requestId: "r",
    metadata: '{"status_code":200}',
    entry: "not json",
    hash: "h",
  };

  it("presents a row with parsed metadata and entry", () => {
    expect(presentEvent(row)).toEqual({
      seq: 7,
      time: "2026-01-01T00:00:00.000Z",
      type: "response",
      namespace: "",
      actor: { accessor: "hmac-sha256:a", entity_id: "e", display_name: "root" },
      operation: "read",
      path: "secret/data/x",
      result: "success",
      remote_address: "127.0.0.1",
      request_id: "r",
      metadata: { status_code: 200 },
      entry: null,
    });
  });

  it("offers a cursor only when the page is full", () => {
    expect(page([row], 1).next_cursor).toBe("7");
    expect(page([row], 2).next_cursor).toBeNull();
    expect(page([], 2)).toEqual({ events: [], next_cursor: null });
  });
});
