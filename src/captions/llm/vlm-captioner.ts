import { encodeImage } from "../../dataset/encode.js";
import { ImgDiffError } from "../../errors.js";
import type { BoxCoords } from "../../vision/box.js";
import { cropBox, drawRedBox, sideBySide } from "../../vision/draw.js";
import type { RgbImage } from "../../vision/image.js";
import type { EditKind, PairCaptions, RegionCaption } from "../edit.js";
import { differencePrompt, imageTextMatchPrompt, isYes, normalisedBoxString, regionPrompt } from "../questions.js";
import type { ModelClient } from "./model-client.js";
import { captionSimilarity, type CaptionSimilarity } from "./similarity.js";

/**
 * Img-Diff's Difference Captions Generator with a VLM server (paper §3.4; imgdiff-paper.md §4):
 *
 * 1. Region captions: the VLM gets each CLEAN image alone with "Please provide a clear description
 *    for this region: [x1, y1, x2, y2]." (box normalised by image A's size, 2 decimals); greedy,
 *    at most 64 tokens.
 * 2. Captions Similarity filter: a box whose two captions are too alike (>= threshold) is dropped.
 *    The paper's second filter, Caption Image-Text Match (BLIP ITC of each crop, the box grown by
 *    5 px, against its own caption, > 0.35 on both sides), needs a BLIP model we cannot ship. With
 *    `imageTextMatch` the same VLM judges it instead: each crop with its caption, "yes or no";
 *    a box is kept only on two yeses. A judgement, not a calibrated score: it is a stand-in.
 * 3. Difference caption: both images get the red box (grown 5 px, 3 px wide), go side by side with
 *    a 20-px black bar, and the VLM gets that one image with the paper's prompt and both captions;
 *    greedy, at most 128 tokens.
 *
 * Boxes are captioned concurrently; the endpoint's limiter bounds what reaches the server.
 */

export const REGION_SAMPLING = { temperature: 0, maxTokens: 64 } as const;
export const DIFFERENCE_SAMPLING = { temperature: 0, maxTokens: 128 } as const;
/** A yes or a no. */
export const MATCH_SAMPLING = { temperature: 0, maxTokens: 4 } as const;
/** The paper's CS threshold (CLIP text cosine): keep a box whose captions score below it. */
export const CAPTION_SIMILARITY_THRESHOLD = 0.85;

export interface VlmCaptionInput {
  readonly client: ModelClient;
  readonly imageA: RgbImage;
  readonly imageB: RgbImage;
  readonly boxes: readonly BoxCoords[];
  readonly kind: EditKind;
  /** Drop a box when its captions' similarity is at least this. Default 0.85; 1 keeps every box. */
  readonly similarityThreshold?: number;
  /** Embedding model for the similarity; empty or absent = the token-overlap stand-in. */
  readonly embeddingModel?: string;
  /** Ask the VLM whether each crop shows its caption; drop the box unless both answers are yes. */
  readonly imageTextMatch?: boolean;
  readonly signal?: AbortSignal;
}

export interface DroppedRegion {
  readonly box: BoxCoords;
  readonly caption1: string;
  readonly caption2: string;
  readonly similarity: CaptionSimilarity;
  /** Why the box went: its captions are too alike, or a crop does not show its caption. */
  readonly reason: "captions_similar" | "caption_image_mismatch";
  /** With the image-text match: whether each crop showed its caption. */
  readonly matches?: readonly [boolean, boolean];
}

export interface VlmCaptionResult {
  /** The kept boxes, in input order, as the template captioner shapes them. */
  readonly captions: PairCaptions;
  readonly dropped: readonly DroppedRegion[];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export async function captionWithVlm(input: VlmCaptionInput): Promise<VlmCaptionResult> {
  const { client, imageA, imageB, boxes, kind, signal } = input;
  if (imageA.width !== imageB.width || imageA.height !== imageB.height) {
    throw new ImgDiffError(
      "CAPTION_SIZE_MISMATCH",
      `captionWithVlm: image_a and image_b must have the same size, received ${imageA.width}x${imageA.height} and ${imageB.width}x${imageB.height}`,
    );
  }
  const threshold = input.similarityThreshold ?? CAPTION_SIMILARITY_THRESHOLD;
  const [pngA, pngB] = await Promise.all([encodeImage(imageA, "png"), encodeImage(imageB, "png")]);

  const region = async (box: BoxCoords): Promise<RegionCaption | DroppedRegion> => {
    const prompt = regionPrompt(normalisedBoxString(box, imageA.width, imageA.height));
    const [answer1, answer2] = await Promise.all(
      [pngA, pngB].map((png) => client.chat({ prompt, images: [png], ...REGION_SAMPLING }, signal)),
    );
    const caption1 = oneLine(answer1!);
    const caption2 = oneLine(answer2!);
    const similarity = await captionSimilarity(caption1, caption2, {
      client,
      ...(input.embeddingModel === undefined ? {} : { embeddingModel: input.embeddingModel }),
      ...(signal ? { signal } : {}),
    });
    // A threshold of 1 (or more) turns the filter off, even for identical captions.
    if (threshold < 1 && similarity.score >= threshold) return { box, caption1, caption2, similarity, reason: "captions_similar" };
    if (input.imageTextMatch) {
      const matches = await Promise.all(
        ([[imageA, caption1], [imageB, caption2]] as const).map(async ([image, caption]) =>
          isYes(await client.chat({ prompt: imageTextMatchPrompt(caption), images: [await encodeImage(cropBox(image, box), "png")], ...MATCH_SAMPLING }, signal)),
        ),
      );
      if (!(matches[0]! && matches[1]!)) return { box, caption1, caption2, similarity, reason: "caption_image_mismatch", matches: [matches[0]!, matches[1]!] };
    }
    const marked = sideBySide(drawRedBox(imageA, box), drawRedBox(imageB, box));
    const difference = await client.chat(
      { prompt: differencePrompt(caption1, caption2), images: [await encodeImage(marked, "png")], ...DIFFERENCE_SAMPLING },
      signal,
    );
    return { box, caption1, caption2, difference: difference.trim() };
  };

  const results = await Promise.all(boxes.map(region));
  const regions = results.filter((r): r is RegionCaption => "difference" in r);
  const dropped = results.filter((r): r is DroppedRegion => "similarity" in r);
  return { captions: { kind, regions }, dropped };
}
