/**
 * Stage planning: where the border between our nodes and ComfyUI's runs, what crosses it, and
 * which crossings are refused at plan time; plus prepareGraph on graphs with ComfyUI nodes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ApiPrompt } from "../../src/graph/api-prompt.js";
import type { ObjectInfo } from "../../src/graph/object-info.js";
import { unionObjectInfo } from "../../src/graph/union-info.js";
import { defaultRegistry } from "../../src/nodes/index.js";
import { GraphError } from "../../src/run/errors.js";
import { parsePrompt, prepareGraph } from "../../src/run/graph.js";
import { planStages } from "../../src/run/plan.js";

const root = join(import.meta.dirname, "../..");
const recorded = JSON.parse(readFileSync(join(root, "test/fixtures/comfyui-0.3.64/object_info.json"), "utf8")) as ObjectInfo;
const registry = defaultRegistry();

/** The recorded server's definitions with these checkpoints installed. */
function serverWith(checkpoints: string[]): ObjectInfo {
  const info = structuredClone(recorded);
  info["CheckpointLoaderSimple"]!.input.required!["ckpt_name"] = [checkpoints, {}];
  return info;
}
const server = serverWith(["sd_xl_base_1.0.safetensors", "sd_xl_refiner_1.0.safetensors"]);
const readWorkflow = (name: string) => JSON.parse(readFileSync(join(root, "workflows", name), "utf8")) as unknown;
const prepare = (name: string, info = server) => prepareGraph(parsePrompt(readWorkflow(name), name, unionObjectInfo(info, registry.objectInfo())), registry, name, info);

/** Hand-made definitions: `R.*` types run on the server, `L.*` types here. */
const def = (inputs: Record<string, string>, outputs: string[], outputNode = false): ObjectInfo[string] => ({
  input: { required: Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, [t]])) },
  output: outputs,
  output_name: outputs,
  name: "x",
  output_node: outputNode,
});
const INFO: ObjectInfo = {
  "R.Loader": def({}, ["MODEL"]),
  "R.Gen": def({ model: "MODEL", text: "STRING" }, ["IMAGE", "LATENT", "INT"]),
  "R.Edit": def({ model: "MODEL", image: "IMAGE", mask: "MASK" }, ["IMAGE", "MASK"]),
  "R.Save": def({ images: "IMAGE" }, [], true),
  "L.Text": def({}, ["STRING", "IMGDIFF_EDIT"]),
  "L.Mask": def({ image: "IMAGE" }, ["MASK"]),
  "L.Sink": def({ a: "IMAGE", b: "*" }, [], true),
};
const plan = (prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }>, outputs: string[]) =>
  planStages({ prompt: prompt as ApiPrompt, objectInfo: INFO, isLocal: (t) => t.startsWith("L."), order: Object.keys(prompt), outputs });

function planError(run: () => unknown): GraphError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphError);
    return error as GraphError;
  }
  throw new Error("expected a GraphError");
}

describe("planStages", () => {
  it("remote -> local -> remote: two stages in two phases, the loader in both, images and masks crossing", () => {
    const p = plan(
      {
        "1": { class_type: "L.Text", inputs: {} },
        "2": { class_type: "R.Loader", inputs: {} },
        "3": { class_type: "R.Gen", inputs: { model: ["2", 0], text: ["1", 0] } },
        "4": { class_type: "L.Mask", inputs: { image: ["3", 0] } },
        "5": { class_type: "R.Edit", inputs: { model: ["2", 0], image: ["3", 0], mask: ["4", 0] } },
        "6": { class_type: "L.Sink", inputs: { a: ["5", 0], b: ["5", 1] } },
      },
      ["6"],
    );
    expect(p.localNodes).toEqual(["1", "4", "6"]);
    expect(p.stages.map((s) => ({ phase: s.phase, nodeIds: s.nodeIds }))).toEqual([
      { phase: 0, nodeIds: ["2", "3"] },
      { phase: 1, nodeIds: ["2", "3", "5"] },
    ]);
    expect(p.stages[0]!.inputs).toEqual([{ nodeId: "1", slot: 0, type: "STRING", consumers: [{ nodeId: "3", input: "text" }] }]);
    expect(p.stages[0]!.outputs).toEqual([{ nodeId: "3", slot: 0, type: "IMAGE" }]);
    // Stage 1 needs the mask made locally, and runs R.Gen again (the server caches it) rather than passing it over.
    expect(p.stages[1]!.inputs.map((i) => `${i.nodeId}:${i.slot}:${i.type}`)).toEqual(["1:0:STRING", "4:0:MASK"]);
    expect(p.stages[1]!.outputs).toEqual([
      { nodeId: "5", slot: 0, type: "IMAGE" },
      { nodeId: "5", slot: 1, type: "MASK" },
    ]);
    expect(Object.fromEntries(p.producers)).toEqual({ "3:0": 0, "5:0": 1, "5:1": 1 });
  });

  it("unconnected ComfyUI branches of one phase are independent stages; a remote output node is a stage root", () => {
    const p = plan(
      {
        "1": { class_type: "L.Text", inputs: {} },
        "2": { class_type: "R.Loader", inputs: {} },
        "3": { class_type: "R.Gen", inputs: { model: ["2", 0], text: ["1", 0] } },
        "4": { class_type: "R.Loader", inputs: {} },
        "5": { class_type: "R.Gen", inputs: { model: ["4", 0], text: ["1", 0] } },
        "6": { class_type: "L.Sink", inputs: { a: ["3", 0], b: ["5", 0] } },
        "7": { class_type: "R.Save", inputs: { images: ["5", 0] } },
      },
      ["6", "7"],
    );
    expect(p.stages.map((s) => ({ phase: s.phase, nodeIds: s.nodeIds, outputNodes: s.outputNodes }))).toEqual([
      { phase: 0, nodeIds: ["2", "3"], outputNodes: [] },
      { phase: 0, nodeIds: ["4", "5", "7"], outputNodes: ["7"] },
    ]);
  });

  it("a graph of our nodes only has no stages", () => {
    const p = plan({ "1": { class_type: "L.Text", inputs: {} }, "2": { class_type: "L.Sink", inputs: { a: ["1", 0], b: ["1", 1] } } }, ["2"]);
    expect(p.stages).toEqual([]);
    expect(p.localNodes).toEqual(["1", "2"]);
  });

  it("refuses LATENT (or any non-pixel type) going from ComfyUI to our nodes, naming the link", () => {
    const e = planError(() =>
      plan(
        {
          "1": { class_type: "L.Text", inputs: {} },
          "2": { class_type: "R.Loader", inputs: {} },
          "7": { class_type: "R.Gen", inputs: { model: ["2", 0], text: ["1", 0] } },
          "9": { class_type: "L.Sink", inputs: { a: ["7", 0], b: ["7", 1] } },
        },
        ["9"],
      ),
    );
    expect(e.code).toBe("WORKFLOW_BORDER");
    expect(e.message).toContain("node #7 (R.Gen) output LATENT -> node #9 (L.Sink) input b: a LATENT value cannot be brought back from ComfyUI");
  });

  it("refuses primitives coming back from ComfyUI and our own types going to it", () => {
    const back = planError(() =>
      plan(
        {
          "1": { class_type: "L.Text", inputs: {} },
          "2": { class_type: "R.Loader", inputs: {} },
          "3": { class_type: "R.Gen", inputs: { model: ["2", 0], text: ["1", 0] } },
          "4": { class_type: "L.Sink", inputs: { a: ["3", 0], b: ["3", 2] } },
        },
        ["4"],
      ),
    );
    expect(back.problems).toEqual([expect.stringContaining("node #3 (R.Gen) output INT -> node #4 (L.Sink) input b: a INT value cannot be brought back")]);
    const out = planError(() =>
      plan(
        {
          "1": { class_type: "L.Text", inputs: {} },
          "2": { class_type: "R.Loader", inputs: {} },
          "3": { class_type: "R.Gen", inputs: { model: ["2", 0], text: ["1", 1] } },
          "4": { class_type: "R.Save", inputs: { images: ["3", 0] } },
        },
        ["4"],
      ),
    );
    expect(out.problems).toEqual([expect.stringContaining("node #1 (L.Text) output IMGDIFF_EDIT -> node #3 (R.Gen) input text: a IMGDIFF_EDIT value cannot be sent to ComfyUI")]);
  });
});

describe("prepareGraph with a server's object_info", () => {
  it("the SDXL replacement workflow is one stage per sample: strings, sizes, seed and mask in; images A and B out", () => {
    const graph = prepare("sdxl-object-replacement.json");
    expect(graph.plan.stages).toHaveLength(1);
    const stage = graph.plan.stages[0]!;
    expect(stage.inputs.map((i) => `${graph.prompt[i.nodeId]!.class_type}.${i.slot}:${i.type}`).sort()).toEqual([
      "ImgDiff.EditPrompts.0:STRING",
      "ImgDiff.EditPrompts.1:STRING",
      "ImgDiff.EditPrompts.2:STRING",
      "ImgDiff.ObjectRegion.0:MASK",
      "ImgDiff.ObjectRegion.2:INT",
      "ImgDiff.ObjectRegion.3:INT",
      "ImgDiff.Seed.0:INT",
    ]);
    expect(stage.outputs.map((o) => `${graph.prompt[o.nodeId]!._meta?.title}:${o.type}`)).toEqual([
      "Image A: paste the region onto the base:IMAGE",
      "Image B: paste the region onto the base:IMAGE",
    ]);
    expect(graph.nodes.map((n) => n.definition.type)).not.toContain("KSampler");
  });

  it("the removal workflow pairs A with the base image", () => {
    const graph = prepare("sdxl-object-removal.json");
    const titles = graph.plan.stages[0]!.outputs.map((o) => graph.prompt[o.nodeId]!._meta?.title);
    expect(titles.sort()).toEqual(["Base image", "Image A: paste the region onto the base"]);
  });

  it("the base KSampler's seed follows seed control like our seeds; the linked inpainting seeds come from ImgDiff.Seed", () => {
    const graph = prepare("sdxl-object-replacement.json");
    const seeded = graph.seedWidgets.map((w) => `${graph.prompt[w.nodeId]!.class_type}.${w.input}:${w.mode}`);
    expect(seeded).toContain("KSampler.seed:randomize");
    expect(seeded.filter((s) => s.startsWith("KSampler"))).toHaveLength(1);
    expect(seeded).toContain("ImgDiff.Seed.seed:randomize");
  });

  it("a missing checkpoint names the model file and what the server has", () => {
    const e = planError(() => prepare("sdxl-object-replacement.json", serverWith(["juggernautXL.safetensors", "dreamshaper.safetensors"])));
    expect(e.code).toBe("WORKFLOW_INVALID");
    expect(e.message).toContain("(CheckpointLoaderSimple): ckpt_name 'sd_xl_base_1.0.safetensors' is not on the server (it has: juggernautXL.safetensors, dreamshaper.safetensors)");
  });

  it("without the server's object_info, ComfyUI nodes are unknown", () => {
    const api = readWorkflow("sdxl-prompt-swap.api.json");
    const e = planError(() => prepareGraph(parsePrompt(api), registry, "swap"));
    expect(e.code).toBe("WORKFLOW_UNKNOWN_NODE");
    expect(e.message).toContain("unknown node type KSampler");
  });
});
