import { boxArea, type BoxCoords } from "../vision/box.js";

/**
 * Where a box sits in the frame and how big it is, in words, for the template captioner
 * (diff-detection.md §4.6). Both look only at geometry, so they work for any detector output.
 */

const GRID: readonly (readonly string[])[] = [
  ["in the upper left", "at the top", "in the upper right"],
  ["on the left", "in the centre", "on the right"],
  ["in the lower left", "at the bottom", "in the lower right"],
];

/** Which third (0, 1, 2) of a side of length `size` the coordinate `at` falls in. */
function third(at: number, size: number): number {
  return Math.min(2, Math.max(0, Math.floor((at / size) * 3)));
}

/**
 * The 3x3-grid phrase for the box centre, e.g. "in the lower left" or "at the top". A centre
 * exactly on a grid line belongs to the cell right of / below it.
 */
export function positionPhrase(box: BoxCoords, width: number, height: number): string {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  const row = GRID[third(cy, height)] as readonly string[];
  return row[third(cx, width)] as string;
}

/**
 * Area shares that separate the size words. A box of under 4% of the frame (a fifth of each side,
 * e.g. 200x200 at 1024²) reads as small; up to 16% (two fifths of each side) as medium-sized;
 * anything bigger as large. Img-Diff's boxes start at 0.25% of the frame (its minimum area).
 */
export const SIZE_THRESHOLDS = { small: 0.04, medium: 0.16 } as const;

export type SizeWord = "small" | "medium-sized" | "large";

/** "small", "medium-sized" or "large" by the box's share of the frame (SIZE_THRESHOLDS). */
export function sizeWord(box: BoxCoords, width: number, height: number): SizeWord {
  const share = boxArea(box) / (width * height);
  if (share < SIZE_THRESHOLDS.small) return "small";
  if (share < SIZE_THRESHOLDS.medium) return "medium-sized";
  return "large";
}
