import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { combine, shamirParamsProblem, split } from "./shamir.js";

const secret = new Uint8Array(randomBytes(32));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("shamir", () => {
  it("recombines from any threshold-sized subset", async () => {
    const shares = await split(secret, 5, 3);
    expect(shares).toHaveLength(5);
    const subsets = [
      [0, 1, 2],
      [0, 2, 4],
      [4, 3, 1],
      [1, 2, 3, 4],
    ];
    for (const idx of subsets) {
      const picked = idx.map((i) => shares[i]!);
      expect(hex(await combine(picked))).toBe(hex(secret));
    }
  });

  it("does not recover the secret from fewer than threshold shares", async () => {
    const shares = await split(secret, 5, 3);
    expect(hex(await combine([shares[0]!, shares[1]!]))).not.toBe(hex(secret));
  });

  it("treats shares == 1 as the secret itself", async () => {
    const [only, ...rest] = await split(secret, 1, 1);
    expect(rest).toHaveLength(0);
    expect(hex(only!)).toBe(hex(secret));
    expect(hex(await combine([only!]))).toBe(hex(secret));
  });

  it("accepts Buffers (the library insists on plain Uint8Array)", async () => {
    const shares = await split(Buffer.from(secret), 3, 2);
    expect(hex(await combine(shares.slice(1).map((s) => Buffer.from(s))))).toBe(hex(secret));
  });

  it("validates parameters as Vault does", async () => {
    expect(shamirParamsProblem(5, 3)).toBeUndefined();
    expect(shamirParamsProblem(1, 1)).toBeUndefined();
    expect(shamirParamsProblem(255, 255)).toBeUndefined();
    expect(shamirParamsProblem(0, 0)).toMatch(/between 1 and 255/);
    expect(shamirParamsProblem(256, 3)).toMatch(/between 1 and 255/);
    expect(shamirParamsProblem(3, 4)).toMatch(/larger/);
    expect(shamirParamsProblem(3, 1)).toMatch(/greater than one/);
    expect(shamirParamsProblem(3, 0)).toMatch(/at least 1/);
    expect(shamirParamsProblem(2.5, 2)).toMatch(/integers/);
    await expect(split(secret, 3, 1)).rejects.toThrow(RangeError);
    await expect(split(new Uint8Array(0), 3, 2)).rejects.toThrow(RangeError);
    await expect(combine([])).rejects.toThrow(RangeError);
  });
});
