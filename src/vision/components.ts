/**
 * 8-connected components of a binary mask, with the statistics the detector filters on: pixel
 * count, bounding box (x2/y2 exclusive), and the peak and sum of a score map over the component.
 */
import type { BoxCoords } from "./box.js";

export interface Component {
  readonly box: BoxCoords;
  readonly area: number;
  readonly peak: number;
  readonly scoreSum: number;
}

export function connectedComponents(
  mask: Uint8Array,
  width: number,
  height: number,
  score?: Float32Array,
): Component[] {
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  const components: Component[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || seen[start] === 1) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let x1 = width;
    let y1 = height;
    let x2 = -1;
    let y2 = -1;
    let area = 0;
    let peak = 0;
    let scoreSum = 0;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % width;
      const y = (p - x) / width;
      area++;
      if (score) {
        const s = score[p]!;
        scoreSum += s;
        if (s > peak) peak = s;
      }
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      const yFrom = y > 0 ? y - 1 : y;
      const yTo = y < height - 1 ? y + 1 : y;
      const xFrom = x > 0 ? x - 1 : x;
      const xTo = x < width - 1 ? x + 1 : x;
      for (let ny = yFrom; ny <= yTo; ny++) {
        for (let nx = xFrom; nx <= xTo; nx++) {
          const q = ny * width + nx;
          if (mask[q] !== 0 && seen[q] === 0) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    components.push({ box: [x1, y1, x2 + 1, y2 + 1], area, peak, scoreSum });
  }
  return components;
}
