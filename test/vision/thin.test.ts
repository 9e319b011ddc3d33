import { describe, expect, it } from "vitest";
import { detectDifferences } from "../../src/vision/detect.js";
import { rgbImage } from "../../src/vision/image.js";

describe("thin images", () => {
  it("a change in a 4000x40 strip is found (the working raster keeps enough rows)", () => {
    const [w, h] = [4000, 40];
    const a = rgbImage(w, h);
    const b = rgbImage(w, h);
    a.data.fill(90);
    b.data.fill(90);
    for (let y = 8; y < 32; y++) for (let x = 1000; x < 1400; x++) b.data[(y * w + x) * 3] = 240;
    const boxes = detectDifferences(a, b, { minAreaFraction: 0 }).boxes;
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.box[0]).toBeGreaterThan(990);
    expect(boxes[0]!.box[2]).toBeLessThan(1410);
  });
});
