/**
 * Shift-tolerant perceptual difference. For each pixel of A, the nearest colour to A(p) inside
 * the per-channel sRGB range [min, max] that B takes in a (2r+1)² window around p is found (clamp
 * each channel into its range); the difference is the CIE76 ΔE between A(p) and that colour. The
 * same is done with A and B swapped, and the larger value is kept.
 *
 * - A pure misalignment of up to r pixels (what survives global alignment) scores zero, while a
 *   colour that appears nowhere nearby scores its full ΔE.
 * - The range is taken in sRGB, not Lab, because blur, resampling and JPEG mix colours in sRGB: a
 *   soft edge between red and blue is a per-channel sRGB blend, inside the sRGB range of a sharp
 *   edge, but its Lab lightness falls below both ends, which a Lab range would flag as change.
 * - Symmetry matters: an object removed from A and one added in B must both be seen, thin ones
 *   included.
 *
 * This is the detector's hot loop, so the window minimum and maximum are never stored as planes:
 * a horizontal pass keeps per-row ranges of the three channels, and the vertical pass finishes the
 * ranges, clamps and measures in one sweep.
 */
import { srgbToLab } from "./lab.js";
import type { RgbPlanes } from "./planes.js";

export function shiftTolerantDifference(a: RgbPlanes, b: RgbPlanes, radius: number): Float32Array {
  const out = new Float32Array(a.r.length);
  const rows = Array.from({ length: 6 }, () => new Float32Array(a.r.length));
  accumulate(out, a, b, Math.max(0, Math.round(radius)), rows);
  accumulate(out, b, a, Math.max(0, Math.round(radius)), rows);
  return out;
}

/** out[p] = max(out[p], ΔE of x(p) to the nearest colour of y's local range). */
function accumulate(out: Float32Array, x: RgbPlanes, y: RgbPlanes, radius: number, rows: Float32Array[]): void {
  const [rMin, rMax, gMin, gMax, bMin, bMax] = rows as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  rowRanges(y.r, rMin, rMax, x.width, x.height, radius);
  rowRanges(y.g, gMin, gMax, x.width, x.height, radius);
  rowRanges(y.b, bMin, bMax, x.width, x.height, radius);
  measure(out, x, rMin, rMax, gMin, gMax, bMin, bMax, radius);
}

/** Minimum and maximum of each pixel's horizontal window of 2r+1 (clipped at the edges). */
function rowRanges(plane: Float32Array, min: Float32Array, max: Float32Array, width: number, height: number, radius: number): void {
  if (radius === 1) {
    rowRanges3(plane, min, max, width, height);
    return;
  }
  for (let row = 0; row < height; row++) {
    const base = row * width;
    for (let col = 0; col < width; col++) {
      const from = base + (col > radius ? col - radius : 0);
      const to = base + (col + radius < width ? col + radius : width - 1);
      let lo = 255;
      let hi = 0;
      for (let k = from; k <= to; k++) {
        const v = plane[k]!;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
      min[base + col] = lo;
      max[base + col] = hi;
    }
  }
}

/** The radius-1 case (the default) with no inner loop: a third faster. */
function rowRanges3(plane: Float32Array, min: Float32Array, max: Float32Array, width: number, height: number): void {
  for (let row = 0; row < height; row++) {
    const base = row * width;
    const last = base + width - 1;
    for (let i = base; i <= last; i++) {
      const c = plane[i]!;
      const l = i > base ? plane[i - 1]! : c;
      const r = i < last ? plane[i + 1]! : c;
      min[i] = Math.min(l, c, r);
      max[i] = Math.max(l, c, r);
    }
  }
}

/** Finish the window ranges vertically, clamp x into them and measure the ΔE. */
function measure(
  out: Float32Array,
  x: RgbPlanes,
  rMin: Float32Array,
  rMax: Float32Array,
  gMin: Float32Array,
  gMax: Float32Array,
  bMin: Float32Array,
  bMax: Float32Array,
  radius: number,
): void {
  const { width, height } = x;
  const labX = new Float32Array(3);
  const labY = new Float32Array(3);
  const xr = x.r;
  const xg = x.g;
  const xb = x.b;
  for (let row = 0; row < height; row++) {
    const from = (row > radius ? row - radius : 0) * width;
    const to = (row + radius < height ? row + radius : height - 1) * width;
    for (let col = 0; col < width; col++) {
      let r0 = 255;
      let r1 = 0;
      let g0 = 255;
      let g1 = 0;
      let b0 = 255;
      let b1 = 0;
      for (let k = from + col; k <= to + col; k += width) {
        r0 = rMin[k]! < r0 ? rMin[k]! : r0;
        r1 = rMax[k]! > r1 ? rMax[k]! : r1;
        g0 = gMin[k]! < g0 ? gMin[k]! : g0;
        g1 = gMax[k]! > g1 ? gMax[k]! : g1;
        b0 = bMin[k]! < b0 ? bMin[k]! : b0;
        b1 = bMax[k]! > b1 ? bMax[k]! : b1;
      }
      const p = row * width + col;
      const vr = xr[p]!;
      const vg = xg[p]!;
      const vb = xb[p]!;
      const cr = vr < r0 ? r0 : vr > r1 ? r1 : vr;
      const cg = vg < g0 ? g0 : vg > g1 ? g1 : vg;
      const cb = vb < b0 ? b0 : vb > b1 ? b1 : vb;
      // Most pixels sit inside the range (difference 0); only the others pay for two Lab conversions.
      if (cr === vr && cg === vg && cb === vb) continue;
      srgbToLab(vr, vg, vb, labX);
      srgbToLab(cr, cg, cb, labY);
      const dl = labX[0]! - labY[0]!;
      const da = labX[1]! - labY[1]!;
      const db = labX[2]! - labY[2]!;
      const d = Math.sqrt(dl * dl + da * da + db * db);
      if (d > out[p]!) out[p] = d;
    }
  }
}
