/**
 * Where the target and the distractors go. The target square is 12%-35% of the image side and
 * lies fully inside the image; distractors are smaller, keep clear of the target square by a
 * margin (so the change stays one object), and are sometimes pushed over the border, as objects
 * in photos are.
 */
import type { Rng } from "../util/rng.js";

export interface Placement {
  readonly x: number;
  readonly y: number;
  readonly size: number;
}

export const TARGET_SCALE = { min: 0.12, max: 0.35 } as const;
const DISTRACTOR_SCALE = { min: 0.08, max: 0.22 } as const;
/** Free space kept around the target square, as a share of the image side. */
const MARGIN = 0.04;
/** Share of distractors placed so that the frame cuts them. */
const CUT_SHARE = 0.35;
const ATTEMPTS = 40;

/** Sprite sizes snap to multiples of 4 px so the raster cache is reused across samples. */
function snap(px: number): number {
  return Math.max(4, Math.round(px / 4) * 4);
}

export function placeTarget(rng: Rng, side: number): Placement {
  const size = snap(side * rng.float(TARGET_SCALE.min, TARGET_SCALE.max));
  return { x: rng.int(0, side - size), y: rng.int(0, side - size), size };
}

function overlaps(a: Placement, b: Placement, margin: number): boolean {
  return (
    a.x < b.x + b.size + margin && b.x < a.x + a.size + margin &&
    a.y < b.y + b.size + margin && b.y < a.y + a.size + margin
  );
}

/** A square hanging over one edge of the frame by a quarter to a half of its size. */
function acrossEdge(rng: Rng, side: number, size: number): Placement {
  const along = rng.int(0, side - size);
  const over = rng.int(Math.ceil(size / 4), Math.floor(size / 2));
  switch (rng.int(0, 3)) {
    case 0: return { x: -over, y: along, size };
    case 1: return { x: side - size + over, y: along, size };
    case 2: return { x: along, y: -over, size };
    default: return { x: along, y: side - size + over, size };
  }
}

/**
 * Up to `count` distractor squares clear of the target; fewer when the target leaves too little
 * room (a large target in a small frame).
 */
export function placeDistractors(rng: Rng, side: number, target: Placement, count: number): Placement[] {
  const margin = Math.round(MARGIN * side);
  const placed: Placement[] = [];
  for (let i = 0; i < count; i++) {
    const size = snap(side * rng.float(DISTRACTOR_SCALE.min, DISTRACTOR_SCALE.max));
    const cut = rng.chance(CUT_SHARE);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const candidate = cut ? acrossEdge(rng, side, size) : { x: rng.int(0, side - size), y: rng.int(0, side - size), size };
      if (!overlaps(candidate, target, margin)) {
        placed.push(candidate);
        break;
      }
    }
  }
  return placed;
}
