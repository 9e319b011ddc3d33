/**
 * A global similarity of two images in [0, 1], in the role of the CLIP image-pair similarity
 * window Img-Diff uses to keep only pairs that are alike but not the same (0.90-0.98 in the paper).
 * It is the mean SSIM (Wang et al. 2004; 8x8-block statistics, the usual constants) of the two
 * images' luma, shrunk to at most 64 px on the long side: small enough that noise, JPEG and a 1-2
 * px shift barely register, large enough that one changed object does.
 *
 * Measured on 30 pairs of each kind from the synthetic evaluation scenes (scripts/eval, seed 3,
 * 512² and 1024²), median (min-max): identical images 1.000; the same scene under the hard set's
 * perturbations (noise, JPEG, blur, tone, 1-2 px shift) 0.992 (0.856-1.000); one object replaced,
 * removed or added 0.963 (0.934-0.992); one to three edits plus perturbations 0.973 (0.892-0.997);
 * unrelated scenes 0.173 (0.110-0.311). Like CLIP's, the window that keeps "one thing changed"
 * pairs is narrow and near 1: something like [0.90, 0.99] for these scenes.
 */
import { ImageError } from "../errors.js";
import type { RgbImage } from "./image.js";

const SIZE = 64;
const BLOCK = 8;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

export function imageSimilarity(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new ImageError(
      "IMAGE_SIZE_MISMATCH",
      "image B",
      `is ${b.width}x${b.height} but image A is ${a.width}x${a.height}; similarity needs two images of the same size`,
    );
  }
  const x = smallLuma(a);
  const y = smallLuma(b);
  const { width, height } = x;
  let total = 0;
  let blocks = 0;
  // Blocks overlap by half, so an object is never split unluckily across block borders.
  const step = BLOCK / 2;
  for (let by = 0; by + BLOCK <= height; by += step) {
    for (let bx = 0; bx + BLOCK <= width; bx += step) {
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let yy = by; yy < by + BLOCK; yy++) {
        for (let xx = bx; xx < bx + BLOCK; xx++) {
          const p = x.data[yy * width + xx]!;
          const q = y.data[yy * width + xx]!;
          sx += p;
          sy += q;
          sxx += p * p;
          syy += q * q;
          sxy += p * q;
        }
      }
      const n = BLOCK * BLOCK;
      const mx = sx / n;
      const my = sy / n;
      const vx = sxx / n - mx * mx;
      const vy = syy / n - my * my;
      const cov = sxy / n - mx * my;
      total += ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      blocks++;
    }
  }
  if (blocks === 0) return equalLuma(x.data, y.data) ? 1 : 0;
  return Math.min(1, Math.max(0, total / blocks));
}

/** Luma block-averaged so the long side is at most SIZE (whole blocks only). */
function smallLuma(image: RgbImage): { width: number; height: number; data: Float32Array } {
  const factor = Math.max(1, Math.ceil(Math.max(image.width, image.height) / SIZE));
  const width = Math.max(1, Math.floor(image.width / factor));
  const height = Math.max(1, Math.floor(image.height / factor));
  const data = new Float32Array(width * height);
  const src = image.data;
  for (let y = 0; y < height * factor; y++) {
    const row = (y / factor) | 0;
    for (let x = 0; x < width * factor; x++) {
      const s = (y * image.width + x) * 3;
      const o = row * width + ((x / factor) | 0);
      data[o] = data[o]! + 0.299 * src[s]! + 0.587 * src[s + 1]! + 0.114 * src[s + 2]!;
    }
  }
  const area = factor * factor;
  for (let i = 0; i < data.length; i++) data[i] = data[i]! / area;
  return { width, height, data };
}

function equalLuma(a: Float32Array, b: Float32Array): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) < 0.5);
}
