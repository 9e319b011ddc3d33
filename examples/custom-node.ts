/**
 * Define a node of your own, register it next to ours and use it in a workflow. The node here
 * prefixes every difference caption with a tag (say, the name of your data source) and drops
 * samples whose first caption is shorter than a minimum, with a reason the run summary counts.
 *
 *   node --import tsx examples/custom-node.ts OUTPUT_DIR [TAG]
 */
import { readFile } from "node:fs/promises";
import { blocked, defaultRegistry, defineNode, int, output, parsePrompt, prepareGraph, runBatch, socket, string } from "../src/index.js";

const TagCaptions = defineNode({
  type: "Example.TagCaptions",
  displayName: "Example Tag Captions",
  category: "ImgDiff/examples",
  description: "Prefixes each difference caption with a tag; blocks samples whose first caption is too short.",
  inputs: {
    captions: socket("IMGDIFF_CAPTIONS"),
    tag: string({ default: "[synthetic]", tooltip: "Put in front of every difference caption." }),
    min_length: int({ default: 20, min: 0, max: 10_000, tooltip: "Shortest first difference caption kept, in characters." }),
  },
  outputs: { captions: output("IMGDIFF_CAPTIONS") },
  run: ({ captions, tag, min_length }) => {
    const first = captions.regions[0]?.difference ?? "";
    if (first.length < min_length) return blocked("caption_too_short", { length: first.length });
    return { captions: { ...captions, regions: captions.regions.map((r) => ({ ...r, difference: `${tag} ${r.difference}` })) } };
  },
});

const [outputDir, tag = "[synthetic]"] = process.argv.slice(2);
if (!outputDir) {
  console.error("usage: custom-node.ts OUTPUT_DIR [TAG]");
  process.exit(2);
}

const registry = defaultRegistry();
registry.register(TagCaptions);
// The node's definition as ComfyUI's /object_info serves it (what the editor would show).
console.log(JSON.stringify({ objectInfo: registry.objectInfo()[TagCaptions.type] }));

// Our replacement workflow with the new node between the captioner (5) and the writer (6).
const file = new URL("../workflows/synthetic-object-replacement.json", import.meta.url);
const workflow = JSON.parse(await readFile(file, "utf8")) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
workflow["8"] = { class_type: TagCaptions.type, inputs: { captions: ["5", 0], tag, min_length: 20 } };
workflow["6"]!.inputs["captions"] = ["8", 0];

const graph = prepareGraph(parsePrompt(workflow), registry, "custom workflow");
const summary = await runBatch(graph, { count: 2, runSeed: 3, outputDir });
console.log(JSON.stringify({ accepted: summary.accepted, filtered: summary.filtered, failed: summary.failed.length, dataset: summary.finalized }));
