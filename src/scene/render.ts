/**
 * The synthetic scene renderer: the embedded default generator that needs no server. It paints a
 * procedural background for the edit's scene, draws a few distractor objects, and then the source
 * object (image A) or the target object (image B) at one place and scale, so the pair differs in
 * that object alone and the ground truth is exact. For removal, B is the base scene.
 */
import type { ObjectEdit } from "../captions/edit.js";
import { LEXICON, findObject, type LexiconEntry } from "../captions/lexicon.js";
import { sceneStyle } from "../captions/scenes.js";
import { ImgDiffError } from "../errors.js";
import { createRng, type Rng } from "../util/rng.js";
import type { BoxCoords } from "../vision/box.js";
import { mask as emptyMask, type Mask, type RgbImage } from "../vision/image.js";
import { renderBackground } from "./background.js";
import { copyImage, drawSprite, markSprite } from "./compose.js";
import { iconSprite, type Sprite } from "./icons.js";
import { placeDistractors, placeTarget, type Placement } from "./layout.js";
import { applyPerturb, validatePerturb, type PerturbOptions } from "./perturb.js";

export interface SceneOptions {
  readonly edit: ObjectEdit;
  readonly size: 512 | 1024;
  readonly seed: number | string;
  /** Other objects drawn identically in every image (default 3). */
  readonly distractors?: number;
  /** Perturbation of the pair's second image (b for replacement, base for removal); omitted or false: none. */
  readonly perturb?: PerturbOptions | false;
}

export interface SceneRender {
  /** The scene without the target object (perturbed, when perturbation is on, for removal only). */
  readonly base: RgbImage;
  /** The scene with edit.source; never perturbed. */
  readonly a: RgbImage;
  /** The scene with edit.target at the same place and scale; for removal, the same object as base. */
  readonly b: RgbImage;
  /** Tight box of the object's pixels in a or b; x2, y2 exclusive. */
  readonly truth: BoxCoords;
  /** 255 where the object covers a pixel in a or b. */
  readonly mask: Mask;
  /** The square the object was drawn into (it may carry transparent padding). */
  readonly placement: Placement;
}

const MAX_DISTRACTORS = 32;

function lexiconEntry(name: string, field: string): LexiconEntry {
  const entry = findObject(name);
  if (!entry) {
    throw new ImgDiffError("UNKNOWN_OBJECT", `edit ${field}: "${name}" is not in the lexicon, so the scene renderer has no artwork for it`);
  }
  return entry;
}

function validate(options: SceneOptions): void {
  const { edit, size, distractors } = options;
  if (size !== 512 && size !== 1024) {
    throw new ImgDiffError("INVALID_SCENE_SIZE", `scene size: expected 512 or 1024, received ${String(size)}`);
  }
  if (distractors !== undefined && !(Number.isInteger(distractors) && distractors >= 0 && distractors <= MAX_DISTRACTORS)) {
    throw new ImgDiffError("INVALID_DISTRACTORS", `distractors: expected an integer from 0 to ${MAX_DISTRACTORS}, received ${String(distractors)}`);
  }
  if (edit.kind === "replace" && edit.target === null) {
    throw new ImgDiffError("INVALID_EDIT", `a replace edit needs a target object, received none (source "${edit.source}")`);
  }
  if (options.perturb) validatePerturb(options.perturb);
}

/**
 * Distractor objects: any lexicon entry outside the edited category, so the scene never shows a
 * second object the captions could confuse with the edited one.
 */
function pickDistractors(rng: Rng, category: string, count: number): LexiconEntry[] {
  const pool = LEXICON.filter((e) => e.category !== category);
  return Array.from({ length: count }, () => rng.pick(pool));
}

/** Bounding box of the set pixels of a mask; [0, 0, 0, 0] when none is set. */
function maskBox(m: Mask): BoxCoords {
  let x1 = m.width, y1 = m.height, x2 = 0, y2 = 0;
  for (let y = 0; y < m.height; y++) {
    const row = y * m.width;
    for (let x = 0; x < m.width; x++) {
      if (m.data[row + x] === 0) continue;
      if (x < x1) x1 = x;
      if (x >= x2) x2 = x + 1;
      if (y < y1) y1 = y;
      y2 = y + 1;
    }
  }
  return x2 === 0 ? [0, 0, 0, 0] : [x1, y1, x2, y2];
}

export async function renderScene(options: SceneOptions): Promise<SceneRender> {
  validate(options);
  const { edit, size } = options;
  const source = lexiconEntry(edit.source, "source");
  const target = edit.kind === "replace" ? lexiconEntry(edit.target as string, "target") : null;
  const rng = createRng("synthetic-scene", options.seed);
  const layoutRng = rng.fork("layout");

  const placement = placeTarget(layoutRng, size);
  const spots = placeDistractors(layoutRng, size, placement, options.distractors ?? 3);
  const others = pickDistractors(rng.fork("distractors"), source.category, spots.length);

  // Rasters are independent: request them all at once, so libvips rasterises them on its
  // threads while the background is painted here.
  const sprites = Promise.all([
    iconSprite(source.icon, placement.size),
    target ? iconSprite(target.icon, placement.size) : null,
    Promise.all(spots.map((spot, i) => iconSprite((others[i] as LexiconEntry).icon, spot.size))),
  ]);
  const base = renderBackground(sceneStyle(edit.scene), size, rng.fork("background"));
  const [sourceSprite, targetSprite, otherSprites] = await sprites;
  spots.forEach((spot, i) => drawSprite(base, otherSprites[i] as Sprite, spot.x, spot.y));

  const a = copyImage(base);
  drawSprite(a, sourceSprite, placement.x, placement.y);
  const objectMask = emptyMask(size, size);
  markSprite(objectMask, sourceSprite, placement.x, placement.y);
  let b = base;
  if (targetSprite) {
    b = copyImage(base);
    drawSprite(b, targetSprite, placement.x, placement.y);
    markSprite(objectMask, targetSprite, placement.x, placement.y);
  }

  // Only the second image of the pair is perturbed: b for replacement, base for removal (where
  // b is base). A clean base for replacement costs nothing and stays usable as ground truth.
  let secondBase = base;
  let secondB = b;
  if (options.perturb) {
    const perturbRng = rng.fork("perturb");
    if (targetSprite) secondB = await applyPerturb(b, options.perturb, perturbRng.fork("b"));
    else secondBase = secondB = await applyPerturb(base, options.perturb, perturbRng.fork("base"));
  }
  return { base: secondBase, a, b: secondB, truth: maskBox(objectMask), mask: objectMask, placement };
}
