/** Small deterministic test images: a textured background with optional filled rectangles. */
import sharp from "sharp";
import { createRng } from "../../src/util/rng.js";
import { rgbImage, type RgbImage } from "../../src/vision/image.js";

export function texturedImage(width: number, height: number, seed = 1): RgbImage {
  const rng = createRng("test-texture", seed);
  const fx = rng.float(0.02, 0.08);
  const fy = rng.float(0.02, 0.08);
  const image = rgbImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const wave = 30 * Math.sin(x * fx) * Math.cos(y * fy);
      const p = (y * width + x) * 3;
      image.data[p] = 120 + wave;
      image.data[p + 1] = 140 + wave * 0.5 + (60 * x) / width;
      image.data[p + 2] = 100 - wave * 0.7 + (60 * y) / height;
    }
  }
  return image;
}

export function withRect(image: RgbImage, [x1, y1, x2, y2]: readonly number[], colour: readonly [number, number, number]): RgbImage {
  const out = rgbImage(image.width, image.height, image.data.slice());
  for (let y = y1!; y < y2!; y++) {
    for (let x = x1!; x < x2!; x++) out.data.set(colour, (y * image.width + x) * 3);
  }
  return out;
}

export function encodePng(image: RgbImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
}

export function encodeJpeg(image: RgbImage, quality: number): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

/** The image translated by (dx, dy) whole pixels, edges repeated. */
export function shifted(image: RgbImage, dx: number, dy: number): RgbImage {
  const out = rgbImage(image.width, image.height);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const sx = Math.min(image.width - 1, Math.max(0, x - dx));
      const sy = Math.min(image.height - 1, Math.max(0, y - dy));
      out.data.set(image.data.subarray((sy * image.width + sx) * 3, (sy * image.width + sx) * 3 + 3), (y * image.width + x) * 3);
    }
  }
  return out;
}
