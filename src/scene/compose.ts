/**
 * Drawing sprites onto RGB images. Sprites may hang over the border (distractors cut by the
 * frame); the part outside is clipped.
 */
import type { Sprite } from "./icons.js";
import type { Mask, RgbImage } from "../vision/image.js";

/** Alpha-blends `sprite` with its top-left corner at (left, top). */
export function drawSprite(image: RgbImage, sprite: Sprite, left: number, top: number): void {
  const { width, height, data } = image;
  const src = sprite.data;
  const x0 = Math.max(0, -left);
  const y0 = Math.max(0, -top);
  const x1 = Math.min(sprite.size, width - left);
  const y1 = Math.min(sprite.size, height - top);
  for (let sy = y0; sy < y1; sy++) {
    let s = (sy * sprite.size + x0) * 4;
    let d = ((top + sy) * width + left + x0) * 3;
    for (let sx = x0; sx < x1; sx++, s += 4, d += 3) {
      const a = src[s + 3] as number;
      if (a === 0) continue;
      const k = 255 - a;
      data[d] = ((src[s] as number) * a + (data[d] as number) * k + 127) / 255;
      data[d + 1] = ((src[s + 1] as number) * a + (data[d + 1] as number) * k + 127) / 255;
      data[d + 2] = ((src[s + 2] as number) * a + (data[d + 2] as number) * k + 127) / 255;
    }
  }
}

/** Sets to 255 every mask pixel the sprite covers (any alpha left after the raster floor). */
export function markSprite(target: Mask, sprite: Sprite, left: number, top: number): void {
  const { width, height, data } = target;
  for (let sy = Math.max(0, -top); sy < Math.min(sprite.size, height - top); sy++) {
    for (let sx = Math.max(0, -left); sx < Math.min(sprite.size, width - left); sx++) {
      if ((sprite.data[(sy * sprite.size + sx) * 4 + 3] as number) > 0) data[(top + sy) * width + left + sx] = 255;
    }
  }
}

export function copyImage(image: RgbImage): RgbImage {
  return { width: image.width, height: image.height, data: image.data.slice() };
}
