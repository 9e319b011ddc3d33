/**
 * Global translation between the two images, to sub-pixel precision, and resampling to undo it.
 * A 1-2 px shift at full resolution is a fraction of a work pixel, yet along every strong edge it
 * produces a colour difference as large as a real change. Estimating it once and resampling B
 * removes most of that; the detector's small shift-tolerant window absorbs the rest.
 */

/**
 * Squared differences above this (luma levels, squared) grow only by their square root: a changed
 * object weighs little more at one shift than at another, so the estimate follows the scene's
 * shared structure, not the object.
 */
const TRUNCATE = 48 * 48;
/** A shift other than none must beat it by this share of its cost, else the images count as aligned. */
const MIN_GAIN = 0.02;

/** The (dx, dy) for which b(x + dx, y + dy) best matches a(x, y), each within ±radius. */
export function estimateShift(
  a: Float32Array,
  b: Float32Array,
  width: number,
  height: number,
  radius: number,
): { dx: number; dy: number } {
  const margin = radius + 1;
  if (width <= 2 * margin + 4 || height <= 2 * margin + 4) return { dx: 0, dy: 0 };
  const side = 2 * radius + 1;
  const cost = new Float64Array(side * side);
  for (let sy = -radius; sy <= radius; sy++) {
    for (let sx = -radius; sx <= radius; sx++) {
      let sum = 0;
      // Every other row: the cost surface is smooth and half the rows estimate it as well.
      for (let y = margin; y < height - margin; y += 2) {
        let ia = y * width + margin;
        let ib = (y + sy) * width + margin + sx;
        for (let x = margin; x < width - margin; x++, ia++, ib++) {
          const d = a[ia]! - b[ib]!;
          const d2 = d * d;
          sum += d2 < TRUNCATE ? d2 : TRUNCATE + Math.sqrt(d2 - TRUNCATE);
        }
      }
      cost[(sy + radius) * side + sx + radius] = sum;
    }
  }
  let best = 0;
  for (let i = 1; i < cost.length; i++) if (cost[i]! < cost[best]!) best = i;
  const bx = (best % side) - radius;
  const by = Math.floor(best / side) - radius;
  // On a flat background only the changed object varies with the shift; a near-tie with no shift
  // means nothing in the scene says the images are misaligned.
  const none = cost[radius * side + radius]!;
  if (none - cost[best]! <= MIN_GAIN * none) return { dx: 0, dy: 0 };
  const at = (x: number, y: number): number => cost[(y + radius) * side + x + radius]!;
  const refine = (minus: number | undefined, centre: number, plus: number | undefined): number => {
    // Parabola through the three costs around the integer minimum; none on the window's edge.
    if (minus === undefined || plus === undefined) return 0;
    const curvature = minus - 2 * centre + plus;
    return curvature > 0 ? Math.max(-0.5, Math.min(0.5, (minus - plus) / (2 * curvature))) : 0;
  };
  const fx = refine(bx > -radius ? at(bx - 1, by) : undefined, at(bx, by), bx < radius ? at(bx + 1, by) : undefined);
  const fy = refine(by > -radius ? at(bx, by - 1) : undefined, at(bx, by), by < radius ? at(bx, by + 1) : undefined);
  return { dx: bx + fx, dy: by + fy };
}

/** out(x, y) = plane(x + dx, y + dy), bilinear, coordinates clamped at the edges. */
export function shiftPlane(
  plane: Float32Array,
  width: number,
  height: number,
  dx: number,
  dy: number,
): Float32Array {
  if (dx === 0 && dy === 0) return plane;
  const out = new Float32Array(plane.length);
  const ix = Math.floor(dx);
  const iy = Math.floor(dy);
  const fx = dx - ix;
  const fy = dy - iy;
  const w00 = (1 - fx) * (1 - fy);
  const w10 = fx * (1 - fy);
  const w01 = (1 - fx) * fy;
  const w11 = fx * fy;
  const xs0 = new Int32Array(width);
  const xs1 = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    xs0[x] = Math.min(width - 1, Math.max(0, x + ix));
    xs1[x] = Math.min(width - 1, Math.max(0, x + ix + 1));
  }
  for (let y = 0; y < height; y++) {
    const r0 = Math.min(height - 1, Math.max(0, y + iy)) * width;
    const r1 = Math.min(height - 1, Math.max(0, y + iy + 1)) * width;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const x0 = xs0[x]!;
      const x1 = xs1[x]!;
      out[o + x] = w00 * plane[r0 + x0]! + w10 * plane[r0 + x1]! + w01 * plane[r1 + x0]! + w11 * plane[r1 + x1]!;
    }
  }
  return out;
}
