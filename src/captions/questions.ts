import type { BoxCoords } from "../vision/box.js";

/**
 * The texts of Img-Diff (arXiv 2408.04594) that reach a model: the fixed questions of the two
 * released sample kinds and the two prompts of its captioning stages. The authors' scripts write
 * "Analyse the the left image"; the paper's figures and the released data read "Analyse the
 * left image", which is what we use everywhere.
 */

const PREAMBLE = "Analyse the left image and the right image (separated by the black vertical bar).";

/** The human turn of every object-replacement sample (paper Fig. 9). */
export const REPLACEMENT_QUESTION =
  `${PREAMBLE} What is the difference between the red bounding box area in each image? ` +
  "Answer the question in a few concise sentences.";

/** Captions go inside one line of a quoted question: newlines or runs of spaces would break it. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * The A/B question of an object-removal sample (paper §5 step 8, Fig. 10): `caption` describes
 * the object, which is present on one side only. Answer "A" for the left image, "B" for the right.
 */
export function removalQuestion(caption: string): string {
  return (
    `${PREAMBLE} Which image has the object related to "${oneLine(caption)}" within the red bounding box?\n` +
    "A. the left image\nB. the right image\n" +
    "Answer with the option's letter from the given choices directly."
  );
}

/**
 * The box of a sample as Img-Diff writes it: [x1, y1, x2, y2] of the un-grown box divided by
 * the image's width and height, clamped to [0, 1] and rounded to 2 decimals.
 */
export function normalisedBox(box: BoxCoords, width: number, height: number): number[] {
  const scale = [width, height, width, height] as const;
  return box.map((v, i) => {
    const share = Math.min(1, Math.max(0, v / scale[i]!));
    return Math.round(share * 100) / 100;
  });
}

function formatBox(values: readonly number[]): string {
  return `[${values.map((v) => v.toFixed(2)).join(", ")}]`;
}

/** normalisedBox as LLaVA's region text, every number with 2 decimals: "[0.50, 0.41, 0.98, 1.00]". */
export function normalisedBoxString(box: BoxCoords, width: number, height: number): string {
  return formatBox(normalisedBox(box, width, height));
}

/**
 * Stage-1 prompt (paper §4): the VLM gets one clean image and this question about a region.
 * `normBox` is the normalised box, as numbers (formatted with 2 decimals) or as the ready string.
 */
export function regionPrompt(normBox: string | readonly number[]): string {
  const text = typeof normBox === "string" ? normBox : formatBox(normBox);
  return `Please provide a clear description for this region: ${text}.`;
}

/**
 * The image-text match question that stands in for the paper's BLIP check of a crop against its
 * own caption: a VLM judges whether the crop shows what the caption says.
 */
export function imageTextMatchPrompt(caption: string): string {
  return `Does this image show the following? ${oneLine(caption)}\nAnswer with one word: yes or no.`;
}

/** Whether a model's answer to imageTextMatchPrompt is a yes. */
export function isYes(answer: string): boolean {
  return /^\W*yes\b/i.test(answer.trim());
}

/**
 * Stage-2 prompt (paper Fig. 4 wording): the VLM gets the red-boxed side-by-side image and both
 * region captions. Adapters add their own image token ("<image>\n" for LLaVA) where they need one.
 */
export function differencePrompt(caption1: string, caption2: string): string {
  return (
    `${PREAMBLE} The detail within the red bounding box in the left image is: ${oneLine(caption1)}, ` +
    `the detail within the red bounding box in the right image is: ${oneLine(caption2)}. ` +
    "What is their difference? Answer with a few concise sentences."
  );
}
