import type { BoxCoords } from "./box.js";

/** Area covered by the union of boxes (integer pixel coords), by sweeping over x intervals. */
export function unionArea(boxes: readonly BoxCoords[]): number {
  if (boxes.length === 0) return 0;
  const xs = [...new Set(boxes.flatMap((b) => [b[0], b[2]]))].sort((p, q) => p - q);
  let total = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    const x0 = xs[i]!;
    const x1 = xs[i + 1]!;
    const spans = boxes
      .filter((b) => b[0] <= x0 && b[2] >= x1 && b[3] > b[1])
      .map((b) => [b[1], b[3]] as const)
      .sort((p, q) => p[0] - q[0]);
    let covered = 0;
    let end = -Infinity;
    for (const [y0, y1] of spans) {
      if (y1 <= end) continue;
      covered += y1 - Math.max(y0, end);
      end = y1;
    }
    total += covered * (x1 - x0);
  }
  return total;
}
