import { describe, expect, it } from "vitest";
import { detectDifferences } from "../../src/vision/detect.js";
import { rgbImage } from "../../src/vision/image.js";

/** A change on a textureless background: nothing but the object can mislead the alignment. */
function flatPair(size: number, box: readonly [number, number, number, number]) {
  const a = rgbImage(size, size);
  const b = rgbImage(size, size);
  a.data.fill(128);
  b.data.fill(128);
  for (let y = box[1]; y < box[3]; y++) {
    for (let x = box[0]; x < box[2]; x++) {
      const p = (y * size + x) * 3;
      b.data[p] = 250;
      b.data[p + 1] = 20;
    }
  }
  return { a, b };
}

describe("a change on a flat background", () => {
  it.each([
    [100, [40, 40, 60, 60]],
    [1024, [400, 400, 600, 600]],
    [1024, [60, 700, 111, 751]],
  ] as const)("at %i px is boxed where it is, not shifted by the alignment", (size, box) => {
    const { a, b } = flatPair(size, box);
    const found = detectDifferences(a, b).boxes;
    expect(found).toHaveLength(1);
    // Exact up to the working raster's grid (1024 px is detected at 256: 4 px a cell).
    const cell = Math.ceil(size / 256);
    found[0]!.box.forEach((v, i) => expect(Math.abs(v - box[i]!)).toBeLessThan(cell));
  });
});
