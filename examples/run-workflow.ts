/**
 * Run a shared workflow from code: load the graph, check it against our nodes, run N samples
 * and print what happened. No ComfyUI server and no model are needed: the synthetic workflow
 * draws its scenes and captions them from templates.
 *
 *   node --import tsx examples/run-workflow.ts OUTPUT_DIR [COUNT] [SEED]
 */
import { readFile } from "node:fs/promises";
import { defaultRegistry, parsePrompt, prepareGraph, runBatch } from "../src/index.js";

const [outputDir, count = "4", seed = "0"] = process.argv.slice(2);
if (!outputDir) {
  console.error("usage: run-workflow.ts OUTPUT_DIR [COUNT] [SEED]");
  process.exit(2);
}

const file = new URL("../workflows/synthetic-object-replacement.json", import.meta.url);
const prompt = parsePrompt(JSON.parse(await readFile(file, "utf8")), "synthetic-object-replacement.json");
// Validation reports every problem of the graph at once, as ComfyUI does when queueing.
const graph = prepareGraph(prompt, defaultRegistry(), "synthetic-object-replacement.json");

const summary = await runBatch(graph, {
  count: Number(count),
  runSeed: Number(seed),
  outputDir,
  onSample: (outcome, finished) => console.log(`sample ${outcome.index}: ${outcome.status} (${finished}/${count})`),
});

console.log(
  JSON.stringify({
    accepted: summary.accepted,
    filtered: summary.filtered,
    failed: summary.failed.length,
    dataset: summary.finalized,
  }),
);
