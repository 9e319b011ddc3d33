/**
 * Prompt pairs from the lexicon: Img-Diff's lexicon variant [P §11] swaps one object name for
 * another of the same category. We choose the object, the replacement (never the same one), and a
 * scene that suits the category, and write SDXL-style prompts for both images. For removal the
 * edited prompt is the scene alone, which is what the inpainting workflows paint into the region.
 */
import type { EditKind, ObjectEdit } from "./edit.js";
import { CATEGORIES, LEXICON, findObject, objectsIn, withArticle, type LexiconEntry } from "./lexicon.js";
import { scenesFor, type SceneTemplate } from "./scenes.js";
import { ImgDiffError } from "../errors.js";
import type { Rng } from "../util/rng.js";

export interface PromptPairOptions {
  readonly rng: Rng;
  readonly kind: EditKind;
  /** "any" (the default) or one of CATEGORIES. */
  readonly category?: string;
  /** Force the object of image A; must be a lexicon name (of `category`, if one is given). */
  readonly source?: string;
}

/** Appended to every prompt, as SDXL prompts usually are. */
const QUALITY = "high quality, detailed";

export function scenePrompt(scene: SceneTemplate, object: string | null): string {
  const subject = object === null ? scene.place : `${withArticle(object)} ${scene.preposition} ${scene.place}`;
  return `a photo of ${subject}, ${QUALITY}`;
}

export function choosePromptPair(options: PromptPairOptions): ObjectEdit {
  const { rng, kind } = options;
  const source = pickSource(rng, options.category ?? "any", options.source);
  const scene = rng.pick(scenesFor(source.category));
  let target: string | null = null;
  if (kind === "replace") {
    const others = objectsIn(source.category).filter((e) => e.name !== source.name);
    target = rng.pick(others).name;
  }
  return Object.freeze({
    kind,
    category: source.category,
    source: source.name,
    target,
    scene: scene.place,
    sourcePrompt: scenePrompt(scene, source.name),
    editedPrompt: scenePrompt(scene, target),
  });
}

function pickSource(rng: Rng, category: string, forced: string | undefined): LexiconEntry {
  if (category !== "any" && !CATEGORIES.includes(category)) {
    throw new ImgDiffError(
      "UNKNOWN_CATEGORY",
      `unknown object category "${category}"; expected "any" or one of: ${CATEGORIES.join(", ")}`,
    );
  }
  if (forced !== undefined) {
    const entry = findObject(forced);
    if (!entry) {
      throw new ImgDiffError(
        "UNKNOWN_OBJECT",
        `object "${forced}" is not in the lexicon; expected a name such as ${suggestions(forced)}`,
      );
    }
    if (category !== "any" && entry.category !== category) {
      throw new ImgDiffError(
        "CATEGORY_MISMATCH",
        `object "${entry.name}" belongs to category "${entry.category}", not "${category}"; drop the category or choose an object of it`,
      );
    }
    return entry;
  }
  // Category first, then object: every category is equally likely, however many names it has.
  const chosen = category === "any" ? rng.pick(CATEGORIES) : category;
  return rng.pick(objectsIn(chosen));
}

/** A few lexicon names sharing a word with the unknown one, or the first names as examples. */
function suggestions(unknown: string): string {
  const words = unknown.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 2);
  const close = LEXICON.filter((e) => words.some((w) => e.name.includes(w))).slice(0, 5);
  const shown = close.length > 0 ? close : LEXICON.slice(0, 5);
  return shown.map((e) => `"${e.name}"`).join(", ");
}
