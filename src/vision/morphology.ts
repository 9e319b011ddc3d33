/**
 * Binary morphology on 0/255 masks with square windows, separable, with the window clipped at the
 * image edge so pixels outside the image never take part.
 */

/** Morphological closing of a 0/255 mask: joins fragments closer than about 2r pixels. */
export function closeMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return mask;
  return binaryFilter(binaryFilter(mask, width, height, radius, false), width, height, radius, true);
}

/**
 * Dilation (a pixel is set if any pixel of its window is) or erosion (if all are), from counts
 * of set pixels in a sliding window, one direction at a time.
 */
function binaryFilter(mask: Uint8Array, width: number, height: number, radius: number, erode: boolean): Uint8Array {
  const tmp = new Uint8Array(mask.length);
  const out = new Uint8Array(mask.length);
  pass(mask, tmp, width, height, 1, width, radius, erode);
  pass(tmp, out, height, width, width, 1, radius, erode);
  return out;
}

/** One direction: `length` pixels a line, `step` apart; `lines` lines, `stride` apart. */
function pass(
  src: Uint8Array,
  dst: Uint8Array,
  length: number,
  lines: number,
  step: number,
  stride: number,
  radius: number,
  erode: boolean,
): void {
  for (let line = 0; line < lines; line++) {
    const base = line * stride;
    let count = 0;
    for (let i = 0; i < Math.min(length, radius); i++) if (src[base + i * step] !== 0) count++;
    for (let i = 0; i < length; i++) {
      const enter = i + radius;
      const leave = i - radius - 1;
      if (enter < length && src[base + enter * step] !== 0) count++;
      if (leave >= 0 && src[base + leave * step] !== 0) count--;
      const window = Math.min(length - 1, enter) - Math.max(0, i - radius) + 1;
      dst[base + i * step] = (erode ? count === window : count > 0) ? 255 : 0;
    }
  }
}
