import { defineNode, type NodeContext } from "./define.js";
import { apiToUi } from "../graph/api-to-ui.js";
import { boolean, combo, image, optional, socket, string } from "./inputs.js";
import { createDatasetWriter, type DatasetWriter as Writer } from "../dataset/writer.js";
import { resolveInsideNoLinks } from "../dataset/safe-path.js";

export const DatasetWriter = defineNode({
  type: "ImgDiff.DatasetWriter",
  displayName: "ImgDiff Dataset Writer",
  category: "ImgDiff/dataset",
  description:
    "Writes each accepted pair, one output sample per box: the Img-Diff release format (img_diff_object_replacement.json / img_diff_object_removal.json, _0/_1 images with the red box), a LLaVA/ShareGPT file with side-by-side images, and a Hugging Face imagefolder metadata.jsonl. Atomic writes, always inside the run's output folder.",
  outputNode: true,
  inputs: {
    image_a: image(),
    image_b: image(),
    edit: socket("IMGDIFF_EDIT"),
    captions: socket("IMGDIFF_CAPTIONS"),
    scores: optional(socket("IMGDIFF_SCORES", { tooltip: "Filter scores, copied into metadata.jsonl." })),
    image_format: combo(["jpg", "png"], { default: "jpg", tooltip: "The released data uses JPEG." }),
    side_by_side: boolean({ default: true, tooltip: "Also save the pair side by side with a 20 px black bar (the image of llava.json)." }),
    subfolder: optional(string({ default: "", tooltip: "Folder inside the run's output folder; cannot leave it." })),
  },
  outputs: {},
  run: async ({ image_a, image_b, edit, captions, scores, image_format, side_by_side, subfolder }, context) => {
    const writer = context.runState(() => writerFor({ image_format, side_by_side, subfolder }, context.outputDir, graphText(context.graph)));
    const written = await writer.writeSample({
      index: context.sampleIndex,
      kind: captions.kind,
      edit,
      imageA: image_a,
      imageB: image_b,
      regions: captions.regions,
      rng: context.rng("answer-side"),
      ...(scores ? { extra: { scores } } : {}),
    });
    return { ui: { outputs: written.outputs.map((o) => o.id), record: written.recordFile } };
  },
  writesTo: (inputs) => String(inputs["subfolder"] ?? ""),
  // The dataset files are rebuilt from the per-sample records, so a writer made from the widget
  // values finalizes a run even when this process wrote none of its samples.
  finalize: async (context) => {
    const writer = context.runState(() => writerFor(context.inputs as unknown as WriterSettings, context.outputDir));
    const summary = await writer.finalize(context.accepted ? { only: context.accepted } : {});
    return { samples: summary.samples, outputs: summary.outputs, replacement: summary.replacement, removal: summary.removal, skipped: summary.skipped.length };
  },
});

interface WriterSettings {
  readonly image_format: "jpg" | "png";
  readonly side_by_side: boolean;
  readonly subfolder?: string | undefined;
}

function writerFor(settings: WriterSettings, outputDir: string, pngText?: Readonly<Record<string, string>>): Writer {
  const root = settings.subfolder ? resolveInsideNoLinks(outputDir, settings.subfolder) : outputDir;
  return createDatasetWriter({ root, imageFormat: settings.image_format, sideBySide: settings.side_by_side, ...(pngText ? { pngText } : {}) });
}

/**
 * The `prompt` and `workflow` chunks ComfyUI's SaveImage writes, so a PNG of the dataset dropped
 * on the editor opens the graph that made it. Made once per run, in the writer's run state.
 */
function graphText(graph: NodeContext["graph"]): Record<string, string> {
  const text: Record<string, string> = { prompt: JSON.stringify(graph.prompt) };
  try {
    text["workflow"] = JSON.stringify(apiToUi(graph.prompt, graph.objectInfo).workflow);
  } catch {
    // A graph the layout cannot draw still gets its prompt, which the editor opens too.
  }
  return text;
}
