/**
 * An RGB image as three float planes, the form the detector aligns and compares: resampling by a
 * sub-pixel shift produces non-integer values, and per-channel filters run on contiguous planes.
 */
import type { RgbImage } from "./image.js";
import { shiftPlane } from "./shift.js";

export interface RgbPlanes {
  readonly width: number;
  readonly height: number;
  readonly r: Float32Array;
  readonly g: Float32Array;
  readonly b: Float32Array;
}

export function toPlanes(image: RgbImage): RgbPlanes {
  const n = image.width * image.height;
  const r = new Float32Array(n);
  const g = new Float32Array(n);
  const b = new Float32Array(n);
  const src = image.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    r[i] = src[j]!;
    g[i] = src[j + 1]!;
    b[i] = src[j + 2]!;
  }
  return { width: image.width, height: image.height, r, g, b };
}

/** Rec. 601 luma, the plane the global shift is estimated on. */
export function luma(planes: RgbPlanes): Float32Array {
  const out = new Float32Array(planes.r.length);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * planes.r[i]! + 0.587 * planes.g[i]! + 0.114 * planes.b[i]!;
  return out;
}

/** out(x, y) = planes(x + dx, y + dy), bilinear. */
export function shiftPlanes(planes: RgbPlanes, dx: number, dy: number): RgbPlanes {
  const { width, height } = planes;
  return {
    width,
    height,
    r: shiftPlane(planes.r, width, height, dx, dy),
    g: shiftPlane(planes.g, width, height, dx, dy),
    b: shiftPlane(planes.b, width, height, dx, dy),
  };
}
