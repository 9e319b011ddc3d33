/**
 * Decoded pixels as they travel between nodes. Images are always 8-bit RGB, row-major,
 * interleaved (3 bytes a pixel); masks are one byte a pixel, 0 = outside, 255 = inside.
 * Nodes exchange these in memory; only the dataset writer and the CLI encode to files.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array; // length = width * height * 3
}

export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array; // length = width * height
}

export function rgbImage(width: number, height: number, data?: Uint8Array): RgbImage {
  const size = width * height * 3;
  if (data && data.length !== size) {
    throw new RangeError(`RGB image of ${width}x${height} needs ${size} bytes, received ${data.length}`);
  }
  return { width, height, data: data ?? new Uint8Array(size) };
}

export function mask(width: number, height: number, data?: Uint8Array): Mask {
  const size = width * height;
  if (data && data.length !== size) {
    throw new RangeError(`mask of ${width}x${height} needs ${size} bytes, received ${data.length}`);
  }
  return { width, height, data: data ?? new Uint8Array(size) };
}
