/**
 * Realistic perturbations of the second image of a pair. A generator never returns exactly the
 * same pixels twice: JPEG re-encoding, slight blur, exposure change, a 1-2 px misalignment and
 * sensor-like noise all change pixels outside the edited object, which the difference detector
 * must learn to ignore. Applied after the objects are drawn, so the ground truth is unchanged.
 */
import sharp from "sharp";
import { ImgDiffError } from "../errors.js";
import type { Rng } from "../util/rng.js";
import { rgbImage, type RgbImage } from "../vision/image.js";

export interface PerturbOptions {
  /** Re-encode as JPEG at this quality (1-100). */
  readonly jpegQuality?: number;
  /** Gaussian blur sigma in pixels (0 = none; sharp needs at least 0.3). */
  readonly blurSigma?: number;
  /** Multiply every channel by this factor (1 = unchanged). */
  readonly brightness?: number;
  /** Shift the content by this many pixels in a seeded direction, keeping the size. */
  readonly shiftPx?: number;
  /** Add Gaussian noise with this sigma in 0-255 units. */
  readonly noiseSigma?: number;
}

/** A realistic mix: each perturbation on with its own probability, at a plausible strength. */
export function randomPerturb(rng: Rng): PerturbOptions {
  const options: { -readonly [K in keyof PerturbOptions]: PerturbOptions[K] } = {};
  if (rng.chance(0.6)) options.jpegQuality = rng.int(70, 95);
  if (rng.chance(0.25)) options.blurSigma = Math.round(rng.float(0.3, 1) * 100) / 100;
  if (rng.chance(0.4)) options.brightness = Math.round(rng.float(0.93, 1.07) * 1000) / 1000;
  if (rng.chance(0.2)) options.shiftPx = rng.int(1, 2);
  if (rng.chance(0.35)) options.noiseSigma = Math.round(rng.float(1, 4) * 100) / 100;
  return options;
}

function check(ok: boolean, field: string, expected: string, received: unknown): void {
  if (!ok) {
    throw new ImgDiffError("INVALID_PERTURBATION", `perturbation ${field}: expected ${expected}, received ${String(received)}`);
  }
}

export function validatePerturb(options: PerturbOptions): void {
  const { jpegQuality: q, blurSigma: s, brightness: b, shiftPx: p, noiseSigma: n } = options;
  check(q === undefined || (Number.isInteger(q) && q >= 1 && q <= 100), "jpegQuality", "an integer from 1 to 100", q);
  check(s === undefined || s === 0 || (s >= 0.3 && s <= 10), "blurSigma", "0 or a number from 0.3 to 10", s);
  check(b === undefined || (b > 0 && b <= 4), "brightness", "a factor above 0 and at most 4", b);
  check(p === undefined || (Number.isInteger(p) && p >= 0 && p <= 16), "shiftPx", "an integer from 0 to 16", p);
  check(n === undefined || (n >= 0 && n <= 64), "noiseSigma", "a number from 0 to 64", n);
}

/** Moves the content by (dx, dy); the uncovered border repeats the nearest edge pixels. */
function shift(image: RgbImage, dx: number, dy: number): RgbImage {
  const { width, height, data } = image;
  const out = rgbImage(width, height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(height - 1, Math.max(0, y - dy));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(width - 1, Math.max(0, x - dx));
      const s = (sy * width + sx) * 3;
      const d = (y * width + x) * 3;
      out.data[d] = data[s] as number;
      out.data[d + 1] = data[s + 1] as number;
      out.data[d + 2] = data[s + 2] as number;
    }
  }
  return out;
}

/** Maps every byte through a 256-entry table (clamped and rounded once, per value). */
function mapBytes(image: RgbImage, f: (v: number) => number): void {
  const table = new Uint8ClampedArray(256);
  for (let v = 0; v < 256; v++) table[v] = f(v);
  const { data } = image;
  for (let i = 0; i < data.length; i++) data[i] = table[data[i] as number] as number;
}

/** Gaussian samples drawn once per image; a fast integer generator indexes them per value. */
const NOISE_TABLE = 4096;

function addNoise(image: RgbImage, sigma: number, rng: Rng): void {
  const table = new Int16Array(NOISE_TABLE);
  for (let i = 0; i < NOISE_TABLE; i++) table[i] = Math.round(rng.normal() * sigma);
  let state = rng.int(1, 0x7fffffff);
  const view = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length);
  for (let i = 0; i < view.length; i++) {
    // xorshift32: 3M draws at 1024² in a few ms, seeded from rng, so the noise is reproducible.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    view[i] = (view[i] as number) + (table[(state >>> 20) & (NOISE_TABLE - 1)] as number);
  }
}

function fromBuffer(width: number, height: number, data: Buffer): RgbImage {
  return rgbImage(width, height, new Uint8Array(data.buffer, data.byteOffset, data.length));
}

async function blur(image: RgbImage, sigma: number): Promise<RgbImage> {
  const { width, height } = image;
  const data = await sharp(image.data, { raw: { width, height, channels: 3 } }).blur(sigma).raw().toBuffer();
  return fromBuffer(width, height, data);
}

async function jpegRoundTrip(image: RgbImage, quality: number): Promise<RgbImage> {
  const { width, height } = image;
  const jpeg = await sharp(image.data, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
  return fromBuffer(width, height, await sharp(jpeg).raw().toBuffer());
}

/** A perturbed copy of `image`; the direction of the shift and the noise come from `rng`. */
export async function applyPerturb(image: RgbImage, options: PerturbOptions, rng: Rng): Promise<RgbImage> {
  validatePerturb(options);
  const px = options.shiftPx ?? 0;
  // One of the eight directions, px along each axis that moves.
  const [dx, dy] = rng.pick([[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1]] as const);
  let out = px > 0 ? shift(image, dx * px, dy * px) : { width: image.width, height: image.height, data: image.data.slice() };
  const factor = options.brightness ?? 1;
  if (factor !== 1) mapBytes(out, (v) => v * factor);
  // Optics first (blur), then the sensor (noise), then the file (JPEG), as in a camera.
  if ((options.blurSigma ?? 0) > 0) out = await blur(out, options.blurSigma as number);
  if ((options.noiseSigma ?? 0) > 0) addNoise(out, options.noiseSigma as number, rng.fork("noise"));
  if (options.jpegQuality !== undefined) out = await jpegRoundTrip(out, options.jpegQuality);
  return out;
}
