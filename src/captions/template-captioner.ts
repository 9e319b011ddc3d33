import { ImgDiffError } from "../errors.js";
import type { Rng } from "../util/rng.js";
import type { BoxCoords } from "../vision/box.js";
import type { ObjectEdit, PairCaptions, RegionCaption } from "./edit.js";
import { positionPhrase, sizeWord } from "./position.js";
import { withArticle } from "./lexicon.js";

/**
 * Offline captions from the known edit (diff-detection.md §4.6): no VLM, only the object names
 * of the edit, the box position and size. The difference caption imitates the LLaVA answers of
 * the released data (2-3 sentences, "The left image shows ..., while the right image shows ...").
 * Image A is the left image; for removal, image B (the right) is the one without the object.
 * Phrasings are picked by the rng, so the same rng labels give the same captions.
 */

export interface CaptionPairInput {
  readonly edit: ObjectEdit;
  readonly boxes: readonly BoxCoords[];
  /** Size of the images the boxes belong to. */
  readonly width: number;
  readonly height: number;
  readonly rng: Rng;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a sunny park" -> "the sunny park"; an empty scene -> "the background". */
function sceneWords(scene: string): string {
  const bare = scene.trim().replace(/^(a|an|the)\s+/i, "").replace(/[.\s]+$/, "");
  return bare === "" ? "the background" : `the ${bare}`;
}

interface Words {
  readonly src: string;
  readonly tgt: string;
  readonly size: string;
  readonly pos: string;
  readonly category: string;
  readonly scene: string;
}

type Template = (w: Words) => string;

const OBJECT_CAPTIONS: readonly ((name: string, w: Words) => string)[] = [
  (n, w) => `${withArticle(`${w.size} ${n}`)} ${w.pos}.`,
  (n, w) => `${withArticle(n)} ${w.pos}.`,
  (n) => `${withArticle(n)}.`,
  (n, w) => `${withArticle(n)} seen ${w.pos} of the image.`,
  (n, w) => `The ${n}, ${withArticle(`${w.size} ${w.category}`)}.`,
  (n, w) => `${withArticle(`${w.size} ${n}`)}.`,
];

const EMPTY_CAPTIONS: readonly Template[] = [
  (w) => `An empty patch of ${w.scene}.`,
  () => "Nothing but the background.",
  (w) => `Only the background of ${w.scene}, with no object.`,
  (w) => `An empty area ${w.pos}.`,
  () => "Plain background where nothing stands out.",
  (w) => `Just ${w.scene}, nothing else.`,
];

const REPLACE_DIFFERENCES: readonly Template[] = [
  (w) =>
    `The left image shows ${withArticle(w.src)} ${w.pos}, while the right image shows ${withArticle(w.tgt)} in the same place. ` +
    `The difference is the type of ${w.category}: ${withArticle(w.src)} was replaced by ${withArticle(w.tgt)}.`,
  (w) =>
    `In the left image the red box ${w.pos} contains ${withArticle(`${w.size} ${w.src}`)}; in the right image it contains ${withArticle(`${w.size} ${w.tgt}`)} instead. ` +
    `The ${w.category} is different: the ${w.src} has been swapped for ${withArticle(w.tgt)}.`,
  (w) =>
    `The highlighted area ${w.pos} holds ${withArticle(w.src)} in the left image but ${withArticle(w.tgt)} in the right image. ` +
    `Apart from this ${w.category}, the two images are the same.`,
  (w) =>
    `Within the red bounding box ${w.pos}, the left image has ${withArticle(`${w.size} ${w.src}`)}, whereas the right image has ${withArticle(`${w.size} ${w.tgt}`)}. ` +
    `The two images differ in the kind of ${w.category} shown.`,
  (w) =>
    `The left image features ${withArticle(w.src)} ${w.pos}. In the right image, ${withArticle(w.tgt)} of similar size takes its place. ` +
    `The difference is which ${w.category} appears in the bounding box.`,
  (w) =>
    `Both images show the same scene, but the ${w.size} ${w.category} ${w.pos} differs. ` +
    `The left image has ${withArticle(w.src)} there and the right image has ${withArticle(w.tgt)}.`,
];

const REMOVE_DIFFERENCES: readonly Template[] = [
  (w) =>
    `The left image shows ${withArticle(w.src)} ${w.pos}, while in the right image it is gone and only the background remains. ` +
    `The difference is that the ${w.src} has been removed.`,
  (w) =>
    `In the left image the red box ${w.pos} contains ${withArticle(`${w.size} ${w.src}`)}; in the right image the same area is empty. ` +
    `The ${w.category} was removed from the right image.`,
  (w) =>
    `The highlighted area ${w.pos} holds ${withArticle(w.src)} in the left image, but in the right image it is gone. ` +
    `Apart from the missing ${w.src}, the two images are the same.`,
  (w) =>
    `The left image has ${withArticle(`${w.size} ${w.src}`)} ${w.pos}, whereas the right image shows only ${w.scene} there. ` +
    `The difference is that the ${w.category} is absent from the right image.`,
  (w) =>
    `Both images show the same scene, but the ${w.size} ${w.category} ${w.pos} appears only in the left image. ` +
    `The ${w.src} has been removed from the right image.`,
];

function checkInput({ edit, width, height }: CaptionPairInput): void {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new ImgDiffError("CAPTION_BAD_SIZE", `captionPair: expected a positive integer image size, received ${width}x${height}`);
  }
  if (edit.kind === "replace" && (edit.target === null || edit.target.trim() === "")) {
    throw new ImgDiffError(
      "CAPTION_TARGET_MISSING",
      `captionPair: a replace edit needs a target object name, received ${JSON.stringify(edit.target)} (source "${edit.source}")`,
    );
  }
}

/** Region and difference captions for every box of a pair, in the order of `boxes`. */
export function captionPair(input: CaptionPairInput): PairCaptions {
  checkInput(input);
  const { edit, boxes, width, height, rng } = input;
  const regions = boxes.map((box, k): RegionCaption => {
    // One forked stream per box: a box's wording does not depend on how many boxes precede it.
    const r = rng.fork(`region-${k}`);
    const words: Words = {
      src: edit.source.trim(),
      tgt: (edit.target ?? "").trim(),
      size: sizeWord(box, width, height),
      pos: positionPhrase(box, width, height),
      category: edit.category.trim() || "object",
      scene: sceneWords(edit.scene),
    };
    const caption1 = capitalise(r.pick(OBJECT_CAPTIONS)(words.src, words));
    if (edit.kind === "replace") {
      return {
        box,
        caption1,
        caption2: capitalise(r.pick(OBJECT_CAPTIONS)(words.tgt, words)),
        difference: r.pick(REPLACE_DIFFERENCES)(words),
      };
    }
    return {
      box,
      caption1,
      caption2: capitalise(r.pick(EMPTY_CAPTIONS)(words)),
      difference: r.pick(REMOVE_DIFFERENCES)(words),
    };
  });
  return { kind: edit.kind, regions };
}
