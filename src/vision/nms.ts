/**
 * Greedy non-maximum suppression as in Img-Diff's area generator: visit boxes from the most
 * different (highest score) down and keep a box only if its IoU with every box already kept is
 * at most `maxIou`. Ties keep the input order, so the result is deterministic.
 */
import { iou, type ScoredBox } from "./box.js";

export function nonMaxSuppression(boxes: readonly ScoredBox[], maxIou: number): ScoredBox[] {
  const order = boxes.map((box, index) => ({ box, index }));
  order.sort((p, q) => q.box.score - p.box.score || p.index - q.index);
  const kept: ScoredBox[] = [];
  for (const { box } of order) {
    if (kept.every((k) => iou(k.box, box.box) <= maxIou)) kept.push(box);
  }
  return kept;
}
