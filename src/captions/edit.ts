import type { BoxCoords } from "../vision/box.js";

/**
 * What changes between the two images of a pair. Made by the PromptPair node from the lexicon,
 * consumed by the scene renderer (what to draw), the captioner (what to say) and the dataset
 * writer (which format and which answer).
 *
 * - replace: image A holds `source`, image B holds `target` at the same place and scale.
 * - remove:  image A holds `source`, image B is the scene without it (`target` is null).
 */
export type EditKind = "replace" | "remove";

export interface ObjectEdit {
  readonly kind: EditKind;
  /** Lexicon category shared by source and target, e.g. "animal". */
  readonly category: string;
  /** Object name in image A, e.g. "dog". */
  readonly source: string;
  /** Object name in image B, e.g. "cat"; null for removal. */
  readonly target: string | null;
  /** Scene description without the object, e.g. "a sunny park". */
  readonly scene: string;
  /** Text-to-image prompts for image A and image B (the SDXL workflows use them). */
  readonly sourcePrompt: string;
  readonly editedPrompt: string;
}

/** One region of a pair with what each image shows there and how they differ. */
export interface RegionCaption {
  readonly box: BoxCoords;
  /** What image A (left) shows in the box. */
  readonly caption1: string;
  /** What image B (right) shows in the box (for removal: the background). */
  readonly caption2: string;
  /** The difference caption, the answer of a replacement sample. */
  readonly difference: string;
}

export interface PairCaptions {
  readonly kind: EditKind;
  /** One entry per box, in the order of the boxes given to the captioner. */
  readonly regions: readonly RegionCaption[];
}
