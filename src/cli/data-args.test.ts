import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDataArgs, parseVersions } from "./data-args.js";
import { UsageError } from "./usage-error.js";

const dir = mkdtempSync(join(tmpdir(), "secrethub-data-args-"));
const certFile = join(dir, "cert.pem");
writeFileSync(certFile, "-----BEGIN CERT-----\nabc\n");
const jsonFile = join(dir, "body.json");
writeFileSync(jsonFile, JSON.stringify({ ttl: 60, nested: { a: true } }));

function sources(stdin = "") {
  return { readStdin: () => Promise.resolve(stdin), readFile: (path: string) => readFile(path, "utf8") };
}

describe("parseDataArgs", () => {
  it("parses key=value pairs, splitting on the first equals sign only", async () => {
    expect(await parseDataArgs(["user=app", "url=postgres://h/db?sslmode=require"], sources())).toEqual({
      user: "app",
      url: "postgres://h/db?sslmode=require",
    });
  });

  it("reads key=@file from the file and key=- from stdin, verbatim", async () => {
    expect(await parseDataArgs([`cert=@${certFile}`, "password=-"], sources("p4ss\n"))).toEqual({
      cert: "-----BEGIN CERT-----\nabc\n",
      password: "p4ss\n",
    });
  });

  it("reads whole JSON objects from - (stdin) and @file", async () => {
    expect(await parseDataArgs(["-"], sources('{"a":1,"b":[1,2]}'))).toEqual({ a: 1, b: [1, 2] });
    expect(await parseDataArgs([`@${jsonFile}`, "extra=x"], sources())).toEqual({
      ttl: 60,
      nested: { a: true },
      extra: "x",
    });
  });

  it("collects a repeated key into a list, as vault does", async () => {
    expect(await parseDataArgs(["policies=a", "policies=b", "policies=c"], sources())).toEqual({
      policies: ["a", "b", "c"],
    });
  });

  it("keeps an empty value", async () => {
    expect(await parseDataArgs(["description="], sources())).toEqual({ description: "" });
  });

  it("rejects arguments without a key as usage errors", async () => {
    await expect(parseDataArgs(["novalue"], sources())).rejects.toThrow(UsageError);
    await expect(parseDataArgs(["=x"], sources())).rejects.toThrow(/format must be key=value/);
    await expect(parseDataArgs(["-"], sources("[1,2]"))).rejects.toThrow(/JSON object/);
    await expect(parseDataArgs(["-"], sources("not json"))).rejects.toThrow(/JSON object/);
  });

  it("fails on a missing file with the file system's error", async () => {
    await expect(parseDataArgs([`k=@${join(dir, "missing")}`], sources())).rejects.toThrow(/ENOENT/);
  });
});

describe("parseVersions", () => {
  it("accepts comma lists and repeated flags", () => {
    expect(parseVersions(["1,2", "5"])).toEqual([1, 2, 5]);
    expect(parseVersions(undefined)).toEqual([]);
  });

  it("rejects non-numbers", () => {
    expect(() => parseVersions(["1,x"])).toThrow(/invalid version "x"/);
  });
});
