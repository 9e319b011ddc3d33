/**
 * Realistic nuisance changes applied to the clean renders: the detector must ignore all of them.
 * Each image of a pair gets its own draw, so A and B differ by re-encoding, blur, tone, a global
 * shift of B, and independent sensor noise.
 */
import sharp from "sharp";
import type { Rng } from "../../src/util/rng.js";

export interface Perturbation {
  /** Global translation of the crop window, in pixels (B only). */
  readonly shift: readonly [number, number];
  /** sharp linear(gain, offset): contrast and brightness. */
  readonly gain: number;
  readonly offset: number;
  readonly blurSigma: number;
  readonly noiseSigma: number;
  /** JPEG quality of the final encoding, or 0 for PNG. */
  readonly jpegQuality: number;
}

export const NO_PERTURBATION: Perturbation = {
  shift: [0, 0],
  gain: 1,
  offset: 0,
  blurSigma: 0,
  noiseSigma: 0,
  jpegQuality: 0,
};

/** A random mix of perturbations; `isB` also allows a global shift of 1-2 px. */
export function randomPerturbation(rng: Rng, isB: boolean): Perturbation {
  const shifted = isB && rng.chance(0.6);
  const shift: [number, number] = shifted ? [rng.int(-2, 2), rng.int(-2, 2)] : [0, 0];
  if (shifted && shift[0] === 0 && shift[1] === 0) shift[rng.int(0, 1)] = rng.pick([-1, 1]);
  const tone = rng.chance(isB ? 0.6 : 0.25);
  return {
    shift,
    gain: tone ? rng.float(0.85, 1.15) : 1,
    offset: tone ? rng.float(-15, 15) : 0,
    blurSigma: rng.chance(0.3) ? rng.float(0.5, 1.2) : 0,
    noiseSigma: rng.chance(0.5) ? rng.float(1.5, 6) : 0,
    jpegQuality: rng.chance(0.6) ? rng.int(70, 95) : 0,
  };
}

/**
 * Crop the size x size frame at (margin + shift) from the clean scene raster, apply the tone,
 * blur and noise, and encode (JPEG when requested, else PNG).
 */
export async function renderPerturbed(
  scene: Uint8Array,
  sceneSize: number,
  margin: number,
  size: number,
  p: Perturbation,
  rng: Rng,
): Promise<Buffer> {
  let pipeline = sharp(scene, { raw: { width: sceneSize, height: sceneSize, channels: 3 } }).extract({
    left: margin + p.shift[0],
    top: margin + p.shift[1],
    width: size,
    height: size,
  });
  if (p.gain !== 1 || p.offset !== 0) pipeline = pipeline.linear(p.gain, p.offset);
  if (p.blurSigma > 0) pipeline = pipeline.blur(Math.max(0.3, p.blurSigma));
  const pixels = await pipeline.raw().toBuffer();
  if (p.noiseSigma > 0) addNoise(pixels, p.noiseSigma, rng);
  const raw = sharp(pixels, { raw: { width: size, height: size, channels: 3 } });
  return p.jpegQuality > 0
    ? raw.jpeg({ quality: p.jpegQuality }).toBuffer()
    : raw.png({ compressionLevel: 1 }).toBuffer();
}

/** Independent Gaussian noise per byte, from a seeded table (one normal draw per byte is slow). */
function addNoise(pixels: Buffer, sigma: number, rng: Rng): void {
  const table = new Float32Array(4096);
  for (let i = 0; i < table.length; i++) table[i] = rng.normal() * sigma;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]! + table[(rng.next() * 4096) | 0]!;
    pixels[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
}
