/**
 * Shrinking an RGB image by an integer factor with block averaging. Averaging f×f blocks is the
 * detector's main defence against sensor noise, JPEG blocks and sub-pixel misalignment: noise
 * falls by a factor f and a 1-2 px shift at full size becomes a fraction of a work pixel.
 * Pixels beyond the last whole block (fewer than f columns or rows) are dropped.
 */
import { rgbImage, type RgbImage } from "./image.js";

export function downsampleRgb(image: RgbImage, factor: number): RgbImage {
  if (factor <= 1) return image;
  const width = Math.max(1, Math.floor(image.width / factor));
  const height = Math.max(1, Math.floor(image.height / factor));
  const out = rgbImage(width, height);
  const src = image.data;
  const rowSums = new Uint32Array(width * 3);
  const area = factor * factor;
  const half = area >> 1;
  for (let y = 0; y < height; y++) {
    rowSums.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      const sy = Math.min(image.height - 1, y * factor + dy);
      let s = sy * image.width * 3;
      for (let x = 0; x < width; x++) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let dx = 0; dx < factor; dx++, s += 3) {
          r += src[s]!;
          g += src[s + 1]!;
          b += src[s + 2]!;
        }
        const o = x * 3;
        rowSums[o] = rowSums[o]! + r;
        rowSums[o + 1] = rowSums[o + 1]! + g;
        rowSums[o + 2] = rowSums[o + 2]! + b;
      }
    }
    const row = y * width * 3;
    for (let k = 0; k < width * 3; k++) out.data[row + k] = ((rowSums[k]! + half) / area) | 0;
  }
  return out;
}
