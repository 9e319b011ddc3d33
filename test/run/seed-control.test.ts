import { describe, expect, it } from "vitest";
import { declaredMode, seedForSample, SEED_LIMIT, type SeedWidget } from "../../src/run/seed-control.js";

const widget = (mode: SeedWidget["mode"], value = 5, min = 0, max = 9): SeedWidget => ({ nodeId: "1", input: "seed", value, min, max, mode });

describe("seedForSample", () => {
  it("fixed, increment and decrement wrap within [min, max]", () => {
    expect([0, 1, 7].map((i) => seedForSample(widget("fixed"), i, 0))).toEqual([5, 5, 5]);
    expect([0, 1, 4, 5, 6].map((i) => seedForSample(widget("increment"), i, 0))).toEqual([5, 6, 9, 0, 1]);
    expect([0, 5, 6].map((i) => seedForSample(widget("decrement"), i, 0))).toEqual([5, 0, 9]);
  });

  it("randomize is deterministic, depends on the run seed, and stays in range", () => {
    const w = widget("randomize", 0, 0, SEED_LIMIT);
    const a = Array.from({ length: 50 }, (_, i) => seedForSample(w, i, 1));
    expect(Array.from({ length: 50 }, (_, i) => seedForSample(w, i, 1))).toEqual(a);
    expect(new Set(a).size).toBe(50);
    expect(a.every((v) => Number.isSafeInteger(v) && v >= 0 && v <= SEED_LIMIT)).toBe(true);
    expect(seedForSample(w, 0, 2)).not.toBe(a[0]);
  });

  it("reads the declared mode like the editor does", () => {
    expect(declaredMode(true)).toBe("randomize");
    expect(declaredMode("increment")).toBe("increment");
    expect(declaredMode(false)).toBeUndefined();
    expect(declaredMode(undefined)).toBeUndefined();
  });
});
