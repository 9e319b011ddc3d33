/**
 * Scoring detections against the truth: greedy one-to-one matching by IoU (the highest-IoU
 * remaining pair first, counted as a hit when IoU >= 0.5), then precision, recall, F1, mean IoU of
 * the hits, and the share of no-change pairs answered with zero boxes.
 */
import { iou, type BoxCoords } from "../../src/vision/box.js";

export const MATCH_IOU = 0.5;

export interface PairOutcome {
  readonly truePositives: number;
  readonly predicted: number;
  readonly truth: number;
  readonly matchedIous: number[];
}

export function matchBoxes(predicted: readonly BoxCoords[], truth: readonly BoxCoords[]): PairOutcome {
  const pairs: { p: number; t: number; iou: number }[] = [];
  predicted.forEach((p, pi) => truth.forEach((t, ti) => {
    const v = iou(p, t);
    if (v >= MATCH_IOU) pairs.push({ p: pi, t: ti, iou: v });
  }));
  pairs.sort((x, y) => y.iou - x.iou || x.p - y.p || x.t - y.t);
  const usedP = new Set<number>();
  const usedT = new Set<number>();
  const matchedIous: number[] = [];
  for (const pair of pairs) {
    if (usedP.has(pair.p) || usedT.has(pair.t)) continue;
    usedP.add(pair.p);
    usedT.add(pair.t);
    matchedIous.push(pair.iou);
  }
  return { truePositives: matchedIous.length, predicted: predicted.length, truth: truth.length, matchedIous };
}

export interface SetSummary {
  readonly pairs: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly meanIou: number;
  /** Share of pairs with no truth box that got zero boxes (NaN when the set has none). */
  readonly zeroBoxShare: number;
  readonly msPerPair: number;
}

export function summarise(outcomes: readonly PairOutcome[], totalMs: number): SetSummary {
  const tp = outcomes.reduce((s, o) => s + o.truePositives, 0);
  const predicted = outcomes.reduce((s, o) => s + o.predicted, 0);
  const truth = outcomes.reduce((s, o) => s + o.truth, 0);
  const ious = outcomes.flatMap((o) => o.matchedIous);
  const empty = outcomes.filter((o) => o.truth === 0);
  // With nothing to find, nothing predicted is perfect precision and recall.
  const precision = predicted === 0 ? (truth === 0 ? 1 : 0) : tp / predicted;
  const recall = truth === 0 ? (predicted === 0 ? 1 : 0) : tp / truth;
  return {
    pairs: outcomes.length,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    meanIou: ious.length === 0 ? Number.NaN : ious.reduce((s, v) => s + v, 0) / ious.length,
    zeroBoxShare: empty.length === 0 ? Number.NaN : empty.filter((o) => o.predicted === 0).length / empty.length,
    msPerPair: totalMs / Math.max(1, outcomes.length),
  };
}
