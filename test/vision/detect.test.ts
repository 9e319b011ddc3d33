import { describe, expect, it } from "vitest";
import { ImageError } from "../../src/errors.js";
import { boxArea, iou } from "../../src/vision/box.js";
import { detectDifferences, detectEncoded } from "../../src/vision/detect.js";
import { decodeImage } from "../../src/vision/decode.js";
import { rgbImage } from "../../src/vision/image.js";
import { nonMaxSuppression } from "../../src/vision/nms.js";
import { encodeJpeg, encodePng, shifted, texturedImage, withRect } from "./helpers.js";

const base = texturedImage(512, 512);

describe("detectDifferences", () => {
  it("rejects images of different sizes, naming both sizes", () => {
    const call = () => detectDifferences(base, texturedImage(512, 384));
    expect(call).toThrow(ImageError);
    expect(call).toThrow(/512x384.*512x512/);
    try {
      call();
    } catch (error) {
      expect((error as ImageError).code).toBe("IMAGE_SIZE_MISMATCH");
    }
  });

  it("finds nothing in identical images", () => {
    const result = detectDifferences(base, rgbImage(512, 512, base.data.slice()));
    expect(result.boxes).toEqual([]);
    expect(result.changedFraction).toBe(0);
    expect(result.diffMask.data.every((v) => v === 0)).toBe(true);
  });

  it("boxes a drawn rectangle tightly, in image A's pixels", () => {
    const truth = [300, 120, 380, 180] as const;
    const result = detectDifferences(base, withRect(base, truth, [220, 40, 40]));
    expect(result.width).toBe(512);
    expect(result.boxes).toHaveLength(1);
    const [found] = result.boxes;
    expect(iou(found!.box, truth)).toBeGreaterThan(0.8);
    expect(found!.box.every(Number.isInteger)).toBe(true);
    expect(found!.score).toBeGreaterThan(10);
    // 80x60 of 512x512 changed, at the working size.
    expect(result.changedFraction).toBeGreaterThan(0.01);
    expect(result.changedFraction).toBeLessThan(0.03);
    expect(result.diffMask.width).toBe(256);
  });

  it("keeps the maxBoxes most different boxes, most different first", () => {
    let edited = base;
    const rects = [0, 1, 2, 3, 4, 5].map((i) => [40 + (i % 3) * 150, 60 + Math.floor(i / 3) * 220, 120 + (i % 3) * 150, 140 + Math.floor(i / 3) * 220] as const);
    rects.forEach((r, i) => (edited = withRect(edited, r, [40 * i, 255 - 30 * i, 128])));
    const all = detectDifferences(base, edited, { maxBoxes: 10 });
    expect(all.boxes).toHaveLength(6);
    const three = detectDifferences(base, edited, { maxBoxes: 3 });
    expect(three.boxes).toEqual(all.boxes.slice(0, 3));
    const scores = all.boxes.map((b) => b.score);
    expect(scores).toEqual([...scores].sort((p, q) => q - p));
  });

  it("drops boxes smaller than minAreaFraction of the frame (Img-Diff: W·H/400)", () => {
    const small = [200, 200, 220, 220] as const; // 400 px < 512²/400 = 655 px
    const edited = withRect(base, small, [255, 255, 0]);
    expect(detectDifferences(base, edited).boxes).toEqual([]);
    const found = detectDifferences(base, edited, { minAreaFraction: 1 / 1000 }).boxes;
    expect(found).toHaveLength(1);
    expect(boxArea(found[0]!.box)).toBeGreaterThanOrEqual(512 * 512 / 1000);
  });

  it("ignores a 2 px shift plus JPEG re-encoding of an unchanged scene, but not a change", async () => {
    const jpegA = await decodeImage(await encodeJpeg(base, 80), { source: "a.jpg" });
    const jpegB = await decodeImage(await encodeJpeg(shifted(base, 2, -1), 75), { source: "b.jpg" });
    expect(detectDifferences(jpegA, jpegB).boxes).toEqual([]);
    const changed = await decodeImage(await encodeJpeg(shifted(withRect(base, [100, 300, 180, 370], [30, 30, 200]), 2, -1), 75), { source: "c.jpg" });
    const boxes = detectDifferences(jpegA, changed).boxes;
    expect(boxes).toHaveLength(1);
    expect(iou(boxes[0]!.box, [100, 300, 180, 370])).toBeGreaterThan(0.7);
  });

  it("ignores a global brightness and contrast change", () => {
    const brighter = rgbImage(512, 512, base.data.map((v) => Math.min(255, Math.round(v * 1.12 + 10))));
    expect(detectDifferences(base, brighter).boxes).toEqual([]);
  });

  it("rejects invalid options", () => {
    expect(() => detectDifferences(base, base, { maxBoxes: -1 })).toThrow(RangeError);
    expect(() => detectDifferences(base, base, { workSize: Number.NaN })).toThrow(RangeError);
  });
});

describe("detectEncoded", () => {
  it("maps boxes back to full-resolution pixels of image A", async () => {
    const a = texturedImage(1024, 768, 2);
    const truth = [600, 300, 760, 420] as const;
    const b = withRect(a, truth, [250, 250, 250]);
    const result = await detectEncoded(await encodePng(a), await encodePng(b), { sourceA: "a.png", sourceB: "b.png" });
    expect([result.width, result.height]).toEqual([1024, 768]);
    expect([result.diffMask.width, result.diffMask.height]).toEqual([256, 192]);
    expect(result.boxes).toHaveLength(1);
    expect(iou(result.boxes[0]!.box, truth)).toBeGreaterThan(0.8);
  });

  it("reports a size mismatch by file name", async () => {
    const a = await encodePng(texturedImage(64, 64));
    const b = await encodePng(texturedImage(64, 48));
    await expect(detectEncoded(a, b, { sourceA: "left.png", sourceB: "right.png" })).rejects.toMatchObject({
      code: "IMAGE_SIZE_MISMATCH",
      message: expect.stringMatching(/right\.png.*64x48.*left\.png.*64x64/),
    });
  });
});

describe("nonMaxSuppression", () => {
  it("keeps the higher-scoring of two boxes overlapping more than the IoU limit", () => {
    const boxes = [
      { box: [0, 0, 100, 100] as const, score: 1 },
      { box: [10, 0, 110, 100] as const, score: 5 }, // IoU 0.82 with the first
      { box: [40, 0, 140, 100] as const, score: 2 }, // IoU 0.43 with the first, 0.54 with the second
      { box: [300, 300, 350, 350] as const, score: 0.5 },
    ];
    expect(nonMaxSuppression(boxes, 0.5).map((b) => b.score)).toEqual([5, 0.5]);
    expect(nonMaxSuppression(boxes, 0.6).map((b) => b.score)).toEqual([5, 2, 0.5]);
  });
});
