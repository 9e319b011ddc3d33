/**
 * sRGB (D65) to CIELAB. Euclidean distance between Lab colours (CIE76 ΔE) is the perceptual
 * difference the detector thresholds: ΔE ≈ 2.3 is a just-noticeable difference, and the same
 * threshold means the same visibility in dark and light regions, which a raw RGB distance does not.
 * Inputs are floats in [0, 255] (the detector works on resampled, non-integer values).
 */
import type { RgbImage } from "./image.js";

export interface LabPlanes {
  readonly width: number;
  readonly height: number;
  readonly l: Float32Array;
  readonly a: Float32Array;
  readonly b: Float32Array;
}

// sRGB decoding sampled at every 8-bit level and interpolated linearly in between.
const LINEAR = new Float32Array(257);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  LINEAR[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
LINEAR[256] = 1;

// D65 reference white.
const XN = 0.95047;
const ZN = 1.08883;
const EPSILON = 216 / 24389;
const KAPPA = 24389 / 27;

// f() sampled on [0, F_RANGE] and interpolated linearly: Math.cbrt three times a pixel was the
// most expensive step of the detector, and the table is accurate to about 0.01 ΔE.
const F_STEPS = 4096;
const F_RANGE = 1.1;
const F_TABLE = new Float32Array(F_STEPS + 2);
for (let i = 0; i <= F_STEPS + 1; i++) {
  const t = (i * F_RANGE) / F_STEPS;
  F_TABLE[i] = t > EPSILON ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
}

function linear(v: number): number {
  const i = v | 0;
  return LINEAR[i]! + (v - i) * (LINEAR[i + 1]! - LINEAR[i]!);
}

function f(t: number): number {
  const x = (t * F_STEPS) / F_RANGE;
  const i = x | 0;
  return F_TABLE[i]! + (x - i) * (F_TABLE[i + 1]! - F_TABLE[i]!);
}

/** Lab of one sRGB colour (channels 0..255), written to out[0..2]. */
export function srgbToLab(red: number, green: number, blue: number, out: Float32Array): void {
  const r = linear(red);
  const g = linear(green);
  const b = linear(blue);
  const fx = f((0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / XN);
  const fy = f(0.2126729 * r + 0.7151522 * g + 0.072175 * b);
  const fz = f((0.0193339 * r + 0.119192 * g + 0.9503041 * b) / ZN);
  out[0] = 116 * fy - 16;
  out[1] = 500 * (fx - fy);
  out[2] = 200 * (fy - fz);
}

export function toLab(image: RgbImage): LabPlanes {
  const n = image.width * image.height;
  const l = new Float32Array(n);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const lab = new Float32Array(3);
  const src = image.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    srgbToLab(src[j]!, src[j + 1]!, src[j + 2]!, lab);
    l[i] = lab[0]!;
    a[i] = lab[1]!;
    b[i] = lab[2]!;
  }
  return { width: image.width, height: image.height, l, a, b };
}
