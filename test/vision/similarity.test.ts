import { describe, expect, it } from "vitest";
import { imageSimilarity } from "../../src/vision/similarity.js";
import { texturedImage, withRect } from "./helpers.js";

describe("imageSimilarity", () => {
  it("orders identical > one object changed > unrelated", () => {
    const a = texturedImage(256, 256, 1);
    const edited = withRect(a, [90, 100, 150, 160], [240, 30, 30]);
    const unrelated = withRect(texturedImage(256, 256, 7), [10, 10, 200, 120], [20, 20, 90]);
    const same = imageSimilarity(a, a);
    const one = imageSimilarity(a, edited);
    const other = imageSimilarity(a, unrelated);
    expect(same).toBe(1);
    expect(one).toBeLessThan(same);
    expect(one).toBeGreaterThan(0.85);
    expect(other).toBeLessThan(one);
    expect(other).toBeLessThan(0.6);
    expect(other).toBeGreaterThanOrEqual(0);
  });

  it("rejects images of different sizes", () => {
    expect(() => imageSimilarity(texturedImage(64, 64), texturedImage(64, 32))).toThrow(/64x32/);
  });
});
