import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { apiToUi } from "../../src/graph/api-to-ui.js";
import { uiToApi } from "../../src/graph/ui-to-api.js";
import { WorkflowError, isWidgetInput, orderedInputs, widgetDefault } from "../../src/graph/ui-workflow.js";
import type { ApiPrompt } from "../../src/graph/api-prompt.js";
import type { ObjectInfo } from "../../src/graph/object-info.js";
import { defaultRegistry } from "../../src/nodes/index.js";
import { parsePrompt } from "../../src/run/graph.js";
import { comfyInfo, comparable, readJson } from "./ui-helpers.js";

const ours = defaultRegistry().objectInfo();
const workflowsDir = join(import.meta.dirname, "../../workflows");
const readWorkflow = (name: string): unknown => JSON.parse(readFileSync(join(workflowsDir, name), "utf8"));

/** The prompt as the editor holds it: every widget input present (a missing one shows its default). */
function withWidgetDefaults(prompt: ApiPrompt, info: ObjectInfo): ApiPrompt {
  const out = structuredClone(prompt);
  for (const node of Object.values(out)) {
    const def = info[node.class_type]!;
    for (const [name, wire] of orderedInputs(def)) {
      if (isWidgetInput(def, name) && node.inputs[name] === undefined) node.inputs[name] = widgetDefault(wire);
    }
  }
  return out;
}

const roundTrip = (prompt: ApiPrompt, info: ObjectInfo) => uiToApi(JSON.parse(JSON.stringify(apiToUi(prompt, info).workflow)), info).prompt;

describe("apiToUi then uiToApi gives the prompt back", () => {
  for (const name of ["synthetic-object-replacement", "synthetic-object-removal"]) {
    it(`workflows/${name}.json, _meta (titles, seed control modes) included`, () => {
      const prompt = readWorkflow(`${name}.json`) as ApiPrompt;
      expect(roundTrip(prompt, ours)).toEqual(withWidgetDefaults(prompt, ours));
    });

    it(`workflows/${name}.ui.json is in sync with ${name}.json and converts back exactly`, () => {
      const prompt = readWorkflow(`${name}.json`) as ApiPrompt;
      const ui = readWorkflow(`${name}.ui.json`);
      // Regenerate with: imgdiff workflow convert workflows/NAME.json --to ui > workflows/NAME.ui.json
      expect(ui).toEqual(JSON.parse(JSON.stringify(apiToUi(prompt, ours).workflow)));
      const back = uiToApi(ui, ours);
      expect(back.prompt).toEqual(withWidgetDefaults(prompt, ours));
      expect(back.warnings).toEqual([]);
      expect(parsePrompt(ui, `${name}.ui.json`)).toEqual(back.prompt);
    });
  }

  const examples = ["api_sdxl_t2i.json", "api_sdxl_t2i_cliptextencodesdxl.json", "api_sdxl_inpaint_replace.json", "api_sdxl_inpaint_remove.json", "sdxl_sdxl_simple_example.prompt.json", "inpaint_inpaint_example.prompt.json", "flux_flux_fill_inpaint_example.prompt.json"];
  for (const name of examples) {
    it(`example ${name} (compared without _meta and the leftovers the server ignores)`, () => {
      const prompt = readJson(`comfyui-examples/${name}`) as ApiPrompt;
      expect(comparable(roundTrip(prompt, comfyInfo))).toEqual(comparable(withWidgetDefaults(prompt, comfyInfo)));
    });
  }
});

describe("apiToUi layout", () => {
  const prompt = readWorkflow("synthetic-object-replacement.json") as ApiPrompt;
  const { workflow } = apiToUi(prompt, ours);
  const node = (id: number) => workflow.nodes.find((n) => n.id === id)!;

  it("links agree with the nodes' input and output link ids", () => {
    expect(workflow.links.length).toBe(workflow.last_link_id);
    for (const [id, from, fromSlot, to, toSlot, type] of workflow.links) {
      expect(node(from).outputs[fromSlot]!.links).toContain(id);
      expect(node(to).inputs[toSlot]!.link).toBe(id);
      expect(node(from).outputs[fromSlot]!.type).toBe(type);
    }
  });

  it("puts control values after seeds, from _meta", () => {
    expect(node(2).widgets_values).toEqual([0, "randomize", "512", 3, true]);
    const fixed = structuredClone(prompt);
    fixed["2"]!._meta = { title: "Synthetic scene", control_after_generate: { seed: "fixed" } };
    expect(apiToUi(fixed, ours).workflow.nodes.find((n) => n.id === 2)!.widgets_values[1]).toBe("fixed");
  });

  it("places nodes in columns by depth and groups them by ImgDiff stage", () => {
    expect(node(1).pos[0]).toBeLessThan(node(2).pos[0]);
    expect(node(2).pos[0]).toBeLessThan(node(3).pos[0]);
    expect(workflow.groups.map((g) => g.title).sort()).toEqual(["analyse", "caption", "dataset", "filter", "generate", "prompts"]);
    for (const group of workflow.groups) {
      const [x, y, w, h] = group.bounding;
      const inside = workflow.nodes.filter((n) => n.pos[0] >= x && n.pos[1] >= y && n.pos[0] + n.size[0] <= x + w && n.pos[1] + n.size[1] <= y + h);
      expect(inside.length).toBeGreaterThanOrEqual(1);
    }
    expect(apiToUi(prompt, ours, { groups: false }).workflow.groups).toEqual([]);
  });

  it("numbers non-integer ids (flattened subgraphs) after the largest", () => {
    const flat: ApiPrompt = { "4": structuredClone(prompt["1"]!), "5:1": { class_type: "ImgDiff.SyntheticScene", inputs: { edit: ["4", 0], seed: 1, size: "512", distractors: 0, perturb: false } } };
    const { workflow: ui } = apiToUi(flat, ours);
    expect(ui.nodes.map((n) => n.id)).toEqual([4, 5]);
    expect(uiToApi(ui, ours).prompt["5"]!.inputs["edit"]).toEqual(["4", 0]);
  });

  it("refuses cycles and unknown node types with stable codes", () => {
    const cyclic: ApiPrompt = {
      "1": { class_type: "ImgDiff.DifferenceArea", inputs: { image_a: ["2", 0], image_b: ["2", 0] } },
      "2": { class_type: "ImgDiff.DifferenceArea", inputs: { image_a: ["1", 0], image_b: ["1", 0] } },
    };
    expect(() => apiToUi(cyclic, ours)).toThrow(expect.objectContaining({ code: "WORKFLOW_CYCLE" }));
    try {
      apiToUi({ "1": { class_type: "CheckpointLoaderSimple", inputs: {} } }, ours);
      expect.unreachable();
    } catch (error) {
      expect((error as WorkflowError).code).toBe("WORKFLOW_UNKNOWN_NODE");
      expect((error as WorkflowError).message).toContain("node #1: unknown node type CheckpointLoaderSimple");
    }
  });
});
