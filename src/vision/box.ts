/**
 * An axis-aligned box in pixels of the image it belongs to: [x1, y1, x2, y2] with x2 and y2
 * exclusive, so width = x2 - x1. `score` says how different (detector) or how sure (truth = 1).
 */
export type BoxCoords = readonly [x1: number, y1: number, x2: number, y2: number];

export interface ScoredBox {
  readonly box: BoxCoords;
  readonly score: number;
}

export function boxArea([x1, y1, x2, y2]: BoxCoords): number {
  return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
}

export function iou(a: BoxCoords, b: BoxCoords): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  if (inter === 0) return 0;
  return inter / (boxArea(a) + boxArea(b) - inter);
}
