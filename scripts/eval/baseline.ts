/**
 * The baseline the detector is measured against: what one would write with the obvious npm
 * tools. sharp decodes both images to raw RGBA at full size, pixelmatch 8 (threshold 0.1, the
 * default) marks differing pixels, and each 8-connected component of those pixels becomes a box,
 * filtered by the same Img-Diff rules as ours (area >= W·H/400, NMS 0.5 by pixel count, top 5).
 */
import pixelmatch from "pixelmatch";
import sharp from "sharp";
import type { ScoredBox } from "../../src/vision/box.js";
import { boxArea } from "../../src/vision/box.js";
import { connectedComponents } from "../../src/vision/components.js";
import { nonMaxSuppression } from "../../src/vision/nms.js";

export const PIXELMATCH_THRESHOLD = 0.1;

export async function decodeRgba(bytes: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Decode + pixelmatch; returns the diff-pixel count (the throughput benchmark's baseline). */
export async function pixelmatchCount(bytesA: Uint8Array, bytesB: Uint8Array): Promise<number> {
  const [a, b] = await Promise.all([decodeRgba(bytesA), decodeRgba(bytesB)]);
  return pixelmatch(a.data, b.data, undefined, a.width, a.height, { threshold: PIXELMATCH_THRESHOLD });
}

export async function baselineBoxes(
  bytesA: Uint8Array,
  bytesB: Uint8Array,
  options: { maxBoxes?: number; minAreaFraction?: number; nmsIou?: number } = {},
): Promise<ScoredBox[]> {
  const { maxBoxes = 5, minAreaFraction = 1 / 400, nmsIou = 0.5 } = options;
  const [a, b] = await Promise.all([decodeRgba(bytesA), decodeRgba(bytesB)]);
  const { width, height } = a;
  const diff = new Uint8Array(width * height * 4);
  pixelmatch(a.data, b.data, diff, width, height, { threshold: PIXELMATCH_THRESHOLD, diffMask: true });
  // With diffMask, pixelmatch paints differing pixels red and anti-aliased ones yellow (ignored).
  const mask = new Uint8Array(width * height);
  for (let p = 0; p < mask.length; p++) {
    if (diff[p * 4 + 3]! > 0 && diff[p * 4]! === 255 && diff[p * 4 + 1]! === 0) mask[p] = 255;
  }
  const minArea = minAreaFraction * width * height;
  const boxes = connectedComponents(mask, width, height)
    .filter((c) => boxArea(c.box) >= minArea)
    .map((c) => ({ box: c.box, score: c.area }));
  return nonMaxSuppression(boxes, nmsIou).slice(0, maxBoxes);
}
