import { blocked, defineNode } from "./define.js";
import { boolean, boxes, float, image, optional, output, socket, string } from "./inputs.js";
import { CAPTION_SIMILARITY_THRESHOLD, captionWithVlm } from "../captions/llm/vlm-captioner.js";
import { clientFromWidgets, endpointWidgets } from "../captions/llm/endpoint-widgets.js";

export const VLMDifferenceCaption = defineNode({
  type: "ImgDiff.VLMDifferenceCaption",
  displayName: "ImgDiff VLM Difference Caption",
  category: "ImgDiff/caption",
  description:
    "The paper's two captioning stages with a VLM server: a caption of each box in each clean image, the caption similarity filter, then the difference caption from the red-boxed side-by-side image. Boxes whose captions are too alike are dropped; if all are, the sample is filtered. The offline default is ImgDiff Difference Caption.",
  inputs: {
    image_a: image(),
    image_b: image(),
    boxes: boxes({ tooltip: "Regions to caption, in pixels of image_a (at most 5 in the paper)." }),
    edit: optional(socket("IMGDIFF_EDIT", { tooltip: "Only its kind (replace or remove) is used; without it, replace." })),
    ...endpointWidgets({ url: "http://127.0.0.1:11434", model: "llava:7b", api: "ollama" }),
    max_caption_similarity: float({
      default: CAPTION_SIMILARITY_THRESHOLD,
      min: 0,
      max: 1,
      step: 0.01,
      tooltip: "Drop a box when its two captions are at least this similar (the paper: 0.85, CLIP text cosine). 1 keeps every box.",
    }),
    embedding_model: string({
      default: "",
      tooltip: "Embedding model on the same server for the similarity. Empty: a token-overlap stand-in (not CLIP: it misses paraphrases).",
    }),
    // Optional, so API-format workflows saved before it existed stay valid.
    image_text_match: optional(
      boolean({
        default: false,
        tooltip: "The paper's caption image-text match filter, judged by this VLM (a yes/no per crop, not BLIP's score): a box is kept only if each crop shows its own caption.",
      }),
    ),
  },
  outputs: {
    captions: output("IMGDIFF_CAPTIONS", "Region and difference captions, one entry per kept box."),
    difference: output("STRING", "The difference caption of the first kept box."),
  },
  run: async ({ image_a, image_b, boxes: found, edit, max_caption_similarity, embedding_model, image_text_match, ...widgets }, context) => {
    const client = clientFromWidgets(widgets, context);
    const { captions, dropped } = await captionWithVlm({
      client,
      imageA: image_a,
      imageB: image_b,
      boxes: found.map((b) => b.box),
      kind: edit?.kind ?? "replace",
      similarityThreshold: max_caption_similarity,
      embeddingModel: embedding_model,
      imageTextMatch: image_text_match === true,
      signal: context.signal,
    });
    if (captions.regions.length === 0) {
      // Named by why the first box went (all went, each for one of the two reasons).
      return blocked(found.length === 0 ? "no_boxes" : dropped[0]!.reason, {
        boxes: found.length,
        similarities: dropped.map((d) => Math.round(d.similarity.score * 1000) / 1000),
        method: dropped[0]?.similarity.method ?? null,
        ...(image_text_match === true ? { matches: dropped.map((d) => d.matches ?? null) } : {}),
      });
    }
    return { captions, difference: captions.regions[0]!.difference };
  },
});
