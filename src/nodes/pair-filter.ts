import { blocked, defineNode } from "./define.js";
import { boxes, float, image, int, optional, output } from "./inputs.js";
import { imageSimilarity } from "../vision/similarity.js";
import { boxArea, iou, type ScoredBox } from "../vision/box.js";
import { unionArea } from "../vision/union-area.js";

/**
 * Rejection reasons, stable strings that runs count and reports group by.
 * `similarity` plays the role of the paper's CLIP image-similarity window (0.90-0.98): pairs too
 * alike show no visible change, pairs too unlike are failed edits or unrelated images.
 */
export const FILTER_REASONS = {
  noDifference: "no_difference",
  tooSimilar: "too_similar",
  tooDifferent: "too_different",
  changeTooSmall: "change_too_small",
  changeTooLarge: "change_too_large",
  tooManyBoxes: "too_many_boxes",
  missesTruth: "misses_truth",
} as const;

export const PairFilter = defineNode({
  type: "ImgDiff.PairFilter",
  displayName: "ImgDiff Pair Filter",
  category: "ImgDiff/filter",
  description:
    "Keeps a pair only if the images are globally similar within bounds, the changed area is within bounds, and (when ground truth is given) the detected boxes agree with it. A rejected pair stops its downstream nodes and is counted as filtered with the reason.",
  inputs: {
    image_a: image(),
    image_b: image(),
    boxes: boxes(),
    truth: optional(boxes({ tooltip: "Ground-truth boxes, when the generator knows them." })),
    min_similarity: float({ default: 0.5, min: 0, max: 1, step: 0.01, tooltip: "Reject pairs less similar than this (failed or unrelated images)." }),
    max_similarity: float({ default: 0.999, min: 0, max: 1, step: 0.001, tooltip: "Reject pairs more similar than this (no visible change)." }),
    min_changed_area: float({ default: 0.0025, min: 0, max: 1, step: 0.0005, tooltip: "Reject pairs whose boxes cover less than this share of the image." }),
    max_changed_area: float({ default: 0.25, min: 0, max: 1, step: 0.01, tooltip: "Reject pairs whose boxes cover more than this share of the image." }),
    max_boxes: int({ default: 5, min: 1, max: 64, tooltip: "Reject pairs with more changed regions than this." }),
    min_truth_iou: float({ default: 0.5, min: 0, max: 1, step: 0.05, tooltip: "With ground truth: every true box must be matched by a detected box with at least this IoU, and no detected box may miss the truth." }),
  },
  outputs: {
    image_a: output("IMAGE"),
    image_b: output("IMAGE"),
    boxes: output("BOXES"),
    scores: output("IMGDIFF_SCORES", "The measures the filter decided on."),
  },
  run: ({ image_a, image_b, boxes: found, truth, ...limits }) => {
    const area = image_a.width * image_a.height;
    const similarity = imageSimilarity(image_a, image_b);
    const changed = unionArea(found.map((b) => b.box)) / area;
    const scores: Record<string, number> = { similarity: round(similarity), changed_area: round(changed), boxes: found.length };
    if (truth && truth.length > 0) scores["truth_iou"] = round(truthAgreement(found, truth));
    const detail = { scores };
    if (found.length === 0) return blocked(FILTER_REASONS.noDifference, detail);
    if (similarity > limits.max_similarity) return blocked(FILTER_REASONS.tooSimilar, detail);
    if (similarity < limits.min_similarity) return blocked(FILTER_REASONS.tooDifferent, detail);
    if (changed < limits.min_changed_area) return blocked(FILTER_REASONS.changeTooSmall, detail);
    if (changed > limits.max_changed_area) return blocked(FILTER_REASONS.changeTooLarge, detail);
    if (found.length > limits.max_boxes) return blocked(FILTER_REASONS.tooManyBoxes, detail);
    if (scores["truth_iou"] !== undefined && scores["truth_iou"] < limits.min_truth_iou) return blocked(FILTER_REASONS.missesTruth, detail);
    return { image_a, image_b, boxes: found, scores };
  },
});

/**
 * Agreement of detected boxes with the truth: the worst of (each true box's best IoU with a
 * detection) and (each detection's overlap with some true box, as a share of its own area, so a
 * detection elsewhere in the image pulls the score to 0).
 */
function truthAgreement(found: readonly ScoredBox[], truth: readonly ScoredBox[]): number {
  let worst = 1;
  for (const t of truth) worst = Math.min(worst, Math.max(0, ...found.map((f) => iou(f.box, t.box))));
  for (const f of found) {
    const own = boxArea(f.box) || 1;
    const covered = Math.max(0, ...truth.map((t) => intersection(f.box, t.box) / own));
    worst = Math.min(worst, covered);
  }
  return worst;
}

function intersection(a: ScoredBox["box"], b: ScoredBox["box"]): number {
  return boxArea([Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]);
}

const round = (v: number) => Math.round(v * 10000) / 10000;
