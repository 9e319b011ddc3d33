/**
 * Global tone matching. A brightness or contrast change between the two images (re-exposure,
 * a different VAE decode, an edit tool's colour drift) shifts every pixel's colour and would either
 * light up the whole frame or, through the adaptive threshold, hide the real change.
 *
 * Per channel, B ≈ gain·A + offset is fitted on corresponding pixels of the aligned pair by
 * trimmed least squares: pixels far off the first fits (the changed object, however large) and
 * saturated pixels do not take part, so an edit covering a fifth of the frame does not tilt the
 * fit. The map is then applied, with clamping to [0, 255], to the image it EXPANDS (gain >= 1 maps
 * A, else the inverse maps B): that reproduces the clipping a brightened image suffered, so
 * highlights that saturated in one image saturate in the other too instead of leaving a false
 * difference.
 */
import type { RgbPlanes } from "./planes.js";

const MAX_GAIN = 1.6;
/** Fit rounds, each trimming against the previous model (a third round changed nothing measurable). */
const ROUNDS = 2;
/** Pixels whose residual exceeds this many robust standard deviations are left out. */
const TRIM = 3;
/**
 * Only pixels inside [LOW, HIGH] in both images take part in the fit: near 0 and 255 clipping
 * (of the tone change itself, and of noise averaged over a block) bends the relation.
 */
const LOW = 8;
const HIGH = 247;

export function matchTones(a: RgbPlanes, b: RgbPlanes): { a: RgbPlanes; b: RgbPlanes } {
  const outA = { ...a };
  const outB = { ...b };
  for (const c of ["r", "g", "b"] as const) {
    const { gain, offset } = fitChannel(a[c], b[c]);
    if (gain >= 1) outA[c] = affine(a[c], gain, offset);
    else outB[c] = affine(b[c], 1 / gain, -offset / gain);
  }
  return { a: outA, b: outB };
}

/**
 * Each round measures the residuals against the current model (starting from the identity, which
 * is exact for most pairs), sets the trimming limit from their median, and refits on the pixels
 * within it.
 */
function fitChannel(x: Float32Array, y: Float32Array): { gain: number; offset: number } {
  let gain = 1;
  let offset = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const residuals = new Float32Array(Math.ceil(x.length / 16));
    let count = 0;
    for (let p = 0; p < x.length; p += 16) {
      const xv = x[p]!;
      const yv = y[p]!;
      if (xv >= LOW && xv <= HIGH && yv >= LOW && yv <= HIGH) residuals[count++] = Math.abs(yv - (gain * xv + offset));
    }
    if (count < 16) break;
    const sorted = residuals.subarray(0, count).sort();
    const limit = Math.max(2, TRIM * 1.4826 * sorted[count >> 1]!);
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    // Every third pixel: plenty for two parameters, a third of the cost.
    for (let p = 0; p < x.length; p += 3) {
      const xv = x[p]!;
      const yv = y[p]!;
      if (xv < LOW || xv > HIGH || yv < LOW || yv > HIGH) continue;
      if (Math.abs(yv - (gain * xv + offset)) > limit) continue;
      n++;
      sx += xv;
      sy += yv;
      sxx += xv * xv;
      sxy += xv * yv;
    }
    if (n < 16) break;
    const variance = sxx - (sx * sx) / n;
    // A flat channel carries no information about gain: match the means only.
    const g = variance > 16 * n ? (sxy - (sx * sy) / n) / variance : 1;
    gain = Math.min(MAX_GAIN, Math.max(1 / MAX_GAIN, g));
    offset = (sy - gain * sx) / n;
  }
  return { gain, offset };
}

function affine(plane: Float32Array, gain: number, offset: number): Float32Array {
  const out = new Float32Array(plane.length);
  for (let i = 0; i < plane.length; i++) out[i] = Math.min(255, Math.max(0, gain * plane[i]! + offset));
  return out;
}
