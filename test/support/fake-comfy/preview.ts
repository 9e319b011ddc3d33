/** Sampler preview frames: JPEG (quality 95), at most 512 px on the long side, like --preview-method. */
import sharp from "sharp";
import { toRgb8 } from "./png.js";
import type { Tensor } from "./tensors.js";

export async function encodePreview(image: Tensor): Promise<Buffer> {
  const scale = Math.min(1, 512 / Math.max(image.width, image.height));
  return sharp(toRgb8(image, 0), { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)))
    .jpeg({ quality: 95 })
    .toBuffer();
}
