import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePrompt, prepareGraph } from "../../src/run/graph.js";
import { runBatch } from "../../src/run/batch.js";
import { defaultRegistry } from "../../src/nodes/index.js";
import { extractGraph } from "../../src/graph/png-metadata.js";
import { uiToApi } from "../../src/graph/ui-to-api.js";

describe("PNGs of the dataset carry their graph", () => {
  it("every PNG holds the prompt and a workflow that converts back to it, as SaveImage's do", async () => {
    const workflow = JSON.parse(readFileSync(join(import.meta.dirname, "../../workflows/synthetic-object-replacement.json"), "utf8")) as Record<string, { inputs: Record<string, unknown> }>;
    workflow["6"]!.inputs["image_format"] = "png";
    const registry = defaultRegistry();
    const graph = prepareGraph(parsePrompt(workflow), registry);
    const out = mkdtempSync(join(tmpdir(), "imgdiff-png-"));
    const summary = await runBatch(graph, { count: 2, outputDir: out, runSeed: 4 });
    expect(summary.accepted).toBeGreaterThan(0);
    const pngs = readdirSync(join(out, "images")).filter((f) => f.endsWith(".png"));
    expect(pngs.length).toBeGreaterThanOrEqual(3);
    for (const file of pngs) {
      const embedded = extractGraph(readFileSync(join(out, "images", file)));
      expect(embedded.prompt).toEqual(graph.prompt);
      expect(uiToApi(embedded.workflow, registry.objectInfo()).prompt).toEqual(graph.prompt);
    }
  });
});
