import { describe, expect, it } from "vitest";
import { uiToApi } from "../../src/graph/ui-to-api.js";
import { WorkflowError } from "../../src/graph/ui-workflow.js";
import { comfyInfo, comparable, readJson, testInfo, workflow, type NodeSpec } from "./ui-helpers.js";

const EXAMPLES = ["sdxl_sdxl_simple_example", "inpaint_inpaint_example", "flux_flux_fill_inpaint_example"];

/** Inputs added to ComfyUI after the example was saved: the converter fills their defaults and warns. */
const ADDED_SINCE: Record<string, Record<string, Record<string, unknown>>> = {
  sdxl_sdxl_simple_example: {},
  inpaint_inpaint_example: { "26": { grow_mask_by: 6 } },
  flux_flux_fill_inpaint_example: { "34": { device: "default" }, "39": { strength: 1 } },
};

describe("uiToApi on ComfyUI's example workflows", () => {
  for (const name of EXAMPLES) {
    it(`${name}: converts to its embedded prompt`, () => {
      const { prompt, warnings } = uiToApi(readJson(`comfyui-examples/${name}.workflow.json`), comfyInfo);
      const expected = comparable(readJson(`comfyui-examples/${name}.prompt.json`));
      for (const [id, added] of Object.entries(ADDED_SINCE[name]!)) Object.assign(expected[id]!.inputs, added);
      expect(comparable(prompt)).toEqual(expected);
      const addedNames = Object.entries(ADDED_SINCE[name]!).flatMap(([id, inputs]) => Object.keys(inputs).map((i) => `#${id} ${i}`));
      expect(warnings).toHaveLength(addedNames.length);
      for (const n of addedNames) {
        const [id, input] = n.split(" ");
        expect(warnings.some((w) => w.includes(`node ${id} `) && w.includes(`${input} =`))).toBe(true);
      }
    });
  }

  it("keeps seed control modes in _meta, including the old boolean form, and titles", () => {
    const sdxl = uiToApi(readJson("comfyui-examples/sdxl_sdxl_simple_example.workflow.json"), comfyInfo).prompt;
    expect(sdxl["10"]!._meta).toEqual({ title: "KSampler (Advanced) - BASE", control_after_generate: { noise_seed: "randomize" } });
    expect(sdxl["11"]!._meta?.control_after_generate).toEqual({ noise_seed: "fixed" });
    expect(sdxl["4"]!._meta).toEqual({ title: "Load Checkpoint - BASE" });
    expect(sdxl["5"]!._meta).toEqual({ title: "Empty Latent Image" });
    const inpaint = uiToApi(readJson("comfyui-examples/inpaint_inpaint_example.workflow.json"), comfyInfo).prompt;
    expect(inpaint["3"]!._meta?.control_after_generate).toEqual({ seed: "randomize" });
  });

  it("drops Notes and PrimitiveNodes, whose values land in the widgets they feed", () => {
    const sdxl = uiToApi(readJson("comfyui-examples/sdxl_sdxl_simple_example.workflow.json"), comfyInfo).prompt;
    expect(Object.values(sdxl).map((n) => n.class_type)).not.toContain("Note");
    expect(Object.values(sdxl).map((n) => n.class_type)).not.toContain("PrimitiveNode");
    expect(sdxl["10"]!.inputs["steps"]).toBe(25);
    expect(sdxl["11"]!.inputs["steps"]).toBe(25);
    expect(sdxl["10"]!.inputs["end_at_step"]).toBe(20);
    expect(sdxl["11"]!.inputs["start_at_step"]).toBe(20);
  });
});

const src = { type: "Src", widgets: [7, "increment", "1024"], outputs: [{ name: "IMAGE", type: "IMAGE", links: [1] }, { name: "MASK", type: "MASK", links: [] }] };
const save = (link: number | null) => ({ type: "Save", widgets: ["run"], inputs: [{ name: "images", type: "IMAGE", link }] });

describe("uiToApi rules", () => {
  it("maps widgets_values by input order, skipping the control value after a seed", () => {
    const { prompt } = uiToApi(workflow({ 1: src, 2: save(1) }, [[1, 1, 0, 2, 0, "IMAGE"]]), testInfo);
    expect(prompt["1"]).toEqual({ class_type: "Src", inputs: { seed: 7, size: "1024" }, _meta: { title: "Src", control_after_generate: { seed: "increment" } } });
    expect(prompt["2"]!.inputs).toEqual({ prefix: "run", images: ["1", 0] });
  });

  it("skips the control and filter values of a combo with control_after_generate", () => {
    const { prompt } = uiToApi(workflow({ 1: { type: "Pick", widgets: ["b", "fixed", "", 3] } }, []), testInfo);
    expect(prompt["1"]!.inputs).toEqual({ choice: "b", count: 3 });
    expect(prompt["1"]!._meta?.control_after_generate).toBeUndefined();
  });

  it("skips the upload button value, which comes after the required inputs", () => {
    const { prompt } = uiToApi(workflow({ 1: { type: "Load", widgets: ["x.png", "image", 0.7] } }, []), testInfo);
    expect(prompt["1"]!.inputs).toEqual({ image: "x.png", strength: 0.7 });
  });

  it("forceInput inputs have no widget; old files that stored one still map", () => {
    const feed = { type: "Src", widgets: [1, "fixed", "512"], outputs: [] };
    const now = uiToApi(workflow({ 1: feed, 2: { type: "Forced", widgets: ["hi"] } }, []), testInfo).prompt;
    expect(now["2"]!.inputs).toEqual({ label: "hi" });
    const old = uiToApi(workflow({ 2: { type: "Forced", widgets: [5, "hi"] } }, []), testInfo).prompt;
    expect(old["2"]!.inputs).toEqual({ label: "hi" });
  });

  it("a link on a widget socket overrides the widget value", () => {
    const wf = workflow(
      {
        1: { type: "Forced", widgets: [""], outputs: [{ name: "INT", type: "INT", links: [1] }] },
        2: { ...src, inputs: [{ name: "seed", type: "INT", link: 1, widget: { name: "seed" } }] },
      },
      [[1, 1, 0, 2, 0, "INT"]],
    );
    expect(uiToApi(wf, testInfo).prompt["2"]!.inputs).toEqual({ seed: ["1", 0], size: "1024" });
  });

  it("a PrimitiveNode's value and control mode replace the widget it feeds, and the link disappears", () => {
    const wf = workflow(
      {
        1: { type: "PrimitiveNode", widgets: [42, "fixed"], outputs: [{ name: "INT", type: "INT", links: [1] }] },
        2: { ...src, inputs: [{ name: "seed", type: "INT", link: 1, widget: { name: "seed" } }] },
      },
      [[1, 1, 0, 2, 0, "INT"]],
    );
    const { prompt } = uiToApi(wf, testInfo);
    expect(Object.keys(prompt)).toEqual(["2"]);
    expect(prompt["2"]!.inputs).toEqual({ seed: 42, size: "1024" });
    expect(prompt["2"]!._meta?.control_after_generate).toEqual({ seed: "fixed" });
  });

  it("follows Reroutes to the real origin and drops Notes", () => {
    const wf = workflow(
      {
        1: src,
        2: { type: "Reroute", inputs: [{ name: "", type: "*", link: 1 }], outputs: [{ name: "", type: "IMAGE", links: [2] }] },
        3: save(2),
        4: { type: "Note", widgets: ["hello"] },
        5: { type: "MarkdownNote", widgets: ["# hi"] },
      },
      [[1, 1, 0, 2, 0, "IMAGE"], [2, 2, 0, 3, 0, "IMAGE"]],
    );
    const { prompt } = uiToApi(wf, testInfo);
    expect(Object.keys(prompt).sort()).toEqual(["1", "3"]);
    expect(prompt["3"]!.inputs["images"]).toEqual(["1", 0]);
  });

  it("follows long Reroute chains without recursion, and reports a Reroute loop", () => {
    const n = 5000;
    const nodes: Record<number, NodeSpec> = { 1: src };
    const links: Array<[number, number, number, number, number, string]> = [[1, 1, 0, 2, 0, "IMAGE"]];
    for (let i = 2; i < n + 2; i++) {
      nodes[i] = { type: "Reroute", inputs: [{ name: "", type: "*", link: i - 1 }], outputs: [{ name: "", type: "*", links: [i] }] };
      links.push([i, i, 0, i + 1, 0, "*"]);
    }
    nodes[n + 2] = save(n + 1);
    expect(uiToApi(workflow(nodes, links), testInfo).prompt[String(n + 2)]!.inputs["images"]).toEqual(["1", 0]);

    const loop = workflow(
      { 2: { type: "Reroute", inputs: [{ name: "", type: "*", link: 2 }] }, 3: { type: "Reroute", inputs: [{ name: "", type: "*", link: 1 }] }, 4: save(3) },
      [[1, 2, 0, 3, 0, "*"], [2, 3, 0, 2, 0, "*"], [3, 3, 0, 4, 0, "IMAGE"]],
    );
    expect(() => uiToApi(loop, testInfo)).toThrow(/links loop through node #\d without reaching a real node/);
  });

  it("drops muted nodes and the inputs that depended on them", () => {
    const wf = workflow({ 1: { ...src, mode: 2 }, 2: save(1) }, [[1, 1, 0, 2, 0, "IMAGE"]]);
    const { prompt } = uiToApi(wf, testInfo);
    expect(Object.keys(prompt)).toEqual(["2"]);
    expect(prompt["2"]!.inputs).toEqual({ prefix: "run" });
  });

  it("routes around bypassed nodes by type", () => {
    const simple = workflow(
      { 1: src, 2: { type: "Blur", mode: 4, widgets: [2], inputs: [{ name: "image", type: "IMAGE", link: 1 }], outputs: [{ name: "IMAGE", type: "IMAGE", links: [2] }] }, 3: save(2) },
      [[1, 1, 0, 2, 0, "IMAGE"], [2, 2, 0, 3, 0, "IMAGE"]],
    );
    expect(uiToApi(simple, testInfo).prompt["3"]!.inputs["images"]).toEqual(["1", 0]);

    // Output 0 is IMAGE but input 0 is a MASK: the first input of exactly the wanted type is used.
    const byType = workflow(
      {
        1: { ...src, outputs: [{ name: "IMAGE", type: "IMAGE", links: [2] }, { name: "MASK", type: "MASK", links: [1] }] },
        2: { type: "AnyCustomNode", mode: 4, inputs: [{ name: "m", type: "MASK", link: 1 }, { name: "i", type: "IMAGE", link: 2 }], outputs: [{ name: "IMAGE", type: "IMAGE", links: [3] }] },
        3: save(3),
      },
      [[1, 1, 1, 2, 0, "MASK"], [2, 1, 0, 2, 1, "IMAGE"], [3, 2, 0, 3, 0, "IMAGE"]],
    );
    const { prompt } = uiToApi(byType, testInfo);
    expect(prompt["2"]).toBeUndefined();
    expect(prompt["3"]!.inputs["images"]).toEqual(["1", 0]);
  });

  it("wraps list values as {__value__: [...]}", () => {
    const { prompt } = uiToApi(workflow({ 1: { type: "Points", widgets: [[1, 2, 3]] } }, []), testInfo);
    expect(prompt["1"]!.inputs["points"]).toEqual({ __value__: [1, 2, 3] });
  });

  it("expands subgraphs with outer:inner ids, through their inputs and outputs", () => {
    const id = "3f1c2d4e-0000-4000-8000-000000000001";
    const wf = workflow(
      { 1: src, 5: { type: id, inputs: [{ name: "image", type: "IMAGE", link: 1 }], outputs: [{ name: "IMAGE", type: "IMAGE", links: [2] }] }, 9: save(2) },
      [[1, 1, 0, 5, 0, "IMAGE"], [2, 5, 0, 9, 0, "IMAGE"]],
      {
        definitions: {
          subgraphs: [{
            id, name: "Two blurs", inputNode: { id: -10 }, outputNode: { id: -20 },
            inputs: [{ name: "image", type: "IMAGE" }], outputs: [{ name: "IMAGE", type: "IMAGE" }],
            nodes: [
              { id: 1, type: "Blur", widgets_values: [2], inputs: [{ name: "image", type: "IMAGE", link: 10 }], outputs: [{ name: "IMAGE", type: "IMAGE", links: [11] }] },
              { id: 2, type: "Blur", widgets_values: [3], inputs: [{ name: "image", type: "IMAGE", link: 11 }], outputs: [{ name: "IMAGE", type: "IMAGE", links: [12] }] },
            ],
            links: [
              { id: 10, origin_id: -10, origin_slot: 0, target_id: 1, target_slot: 0, type: "IMAGE" },
              { id: 11, origin_id: 1, origin_slot: 0, target_id: 2, target_slot: 0, type: "IMAGE" },
              { id: 12, origin_id: 2, origin_slot: 0, target_id: -20, target_slot: 0, type: "IMAGE" },
            ],
          }],
        },
      },
    );
    const { prompt } = uiToApi(wf, testInfo);
    expect(Object.keys(prompt).sort()).toEqual(["1", "5:1", "5:2", "9"]);
    expect(prompt["5:1"]!.inputs).toEqual({ radius: 2, image: ["1", 0] });
    expect(prompt["5:2"]!.inputs).toEqual({ radius: 3, image: ["5:1", 0] });
    expect(prompt["9"]!.inputs["images"]).toEqual(["5:2", 0]);
  });

  it("a subgraph input that feeds a widget inside takes the instance's promoted widget value, or a link outside", () => {
    const id = "3f1c2d4e-0000-4000-8000-000000000003";
    const definition = {
      id, name: "Blur with a knob", inputNode: { id: -10 }, outputNode: { id: -20 },
      inputs: [{ name: "image", type: "IMAGE" }, { name: "radius", type: "INT" }], outputs: [{ name: "IMAGE", type: "IMAGE" }],
      nodes: [
        { id: 1, type: "Blur", widgets_values: [2], inputs: [{ name: "image", type: "IMAGE", link: 10 }, { name: "radius", type: "INT", widget: { name: "radius" }, link: 13 }], outputs: [{ name: "IMAGE", type: "IMAGE", links: [12] }] },
      ],
      links: [
        { id: 10, origin_id: -10, origin_slot: 0, target_id: 1, target_slot: 0, type: "IMAGE" },
        { id: 13, origin_id: -10, origin_slot: 1, target_id: 1, target_slot: 1, type: "INT" },
        { id: 12, origin_id: 1, origin_slot: 0, target_id: -20, target_slot: 0, type: "IMAGE" },
      ],
    };
    const instance = (radiusLink: number | null) => ({
      type: id,
      widgets: [7],
      inputs: [{ name: "image", type: "IMAGE", link: 1 }, { name: "radius", type: "INT", widget: { name: "radius" }, link: radiusLink }],
      outputs: [{ name: "IMAGE", type: "IMAGE", links: [2] }],
    });
    const promoted = uiToApi(workflow({ 1: src, 5: instance(null), 9: save(2) }, [[1, 1, 0, 5, 0, "IMAGE"], [2, 5, 0, 9, 0, "IMAGE"]], { definitions: { subgraphs: [definition] } }), testInfo);
    expect(promoted.prompt["5:1"]!.inputs).toEqual({ radius: 7, image: ["1", 0] });
    // A PrimitiveNode linked to the instance's radius input wins over the saved widget value.
    const linked = uiToApi(
      workflow({ 1: src, 4: { type: "PrimitiveNode", widgets: [11], outputs: [{ name: "INT", type: "INT", links: [3], widget: { name: "radius" } }] }, 5: instance(3), 9: save(2) }, [[1, 1, 0, 5, 0, "IMAGE"], [2, 5, 0, 9, 0, "IMAGE"], [3, 4, 0, 5, 1, "INT"]], { definitions: { subgraphs: [definition] } }),
      testInfo,
    );
    expect(linked.prompt["5:1"]!.inputs["radius"]).toBe(11);
    // A promoted seed before it: its control mode sits between the two values.
    const seeded = {
      ...definition,
      inputs: [{ name: "seed", type: "INT" }, ...definition.inputs],
      nodes: [...definition.nodes, { id: 2, type: "Src", widgets_values: [1, "fixed", "512"], inputs: [{ name: "seed", type: "INT", widget: { name: "seed" }, link: 14 }], outputs: [] }],
      links: [...definition.links.map((l) => (l.origin_id === -10 ? { ...l, origin_slot: l.origin_slot + 1 } : l)), { id: 14, origin_id: -10, origin_slot: 0, target_id: 2, target_slot: 0, type: "INT" }],
    };
    const withSeed = {
      ...instance(null),
      widgets: [42, "increment", 9],
      inputs: [{ name: "seed", type: "INT", widget: { name: "seed" }, link: null }, ...instance(null).inputs],
    };
    const both = uiToApi(workflow({ 1: src, 5: withSeed, 9: save(2) }, [[1, 1, 0, 5, 1, "IMAGE"], [2, 5, 0, 9, 0, "IMAGE"]], { definitions: { subgraphs: [seeded] } }), testInfo);
    expect(both.prompt["5:1"]!.inputs["radius"]).toBe(9);
    expect(both.prompt["5:2"]!.inputs["seed"]).toBe(42);
    expect(both.prompt["5:2"]!._meta?.control_after_generate).toEqual({ seed: "increment" });
  });

  it("refuses a subgraph that contains itself", () => {
    const id = "3f1c2d4e-0000-4000-8000-000000000002";
    const wf = workflow({ 5: { type: id } }, [], { definitions: { subgraphs: [{ id, nodes: [{ id: 1, type: id }], links: [] }] } });
    expect(() => uiToApi(wf, testInfo)).toThrow(/inside themselves/);
  });

  it("expands legacy group nodes with group:index ids, taking widget values from the instance", () => {
    const wf = workflow(
      { 1: src, 7: { type: "workflow>Blurs", widgets: [4, 5], inputs: [{ name: "image", type: "IMAGE", link: 1 }], outputs: [{ name: "IMAGE", type: "IMAGE", links: [2] }] }, 9: save(2) },
      [[1, 1, 0, 7, 0, "IMAGE"], [2, 7, 0, 9, 0, "IMAGE"]],
      { extra: { groupNodes: { Blurs: { nodes: [{ type: "Blur", widgets_values: [2] }, { type: "Blur", widgets_values: [3] }], links: [[0, 0, 1, 0, 1, "IMAGE"]], external: [] } } } },
    );
    const { prompt } = uiToApi(wf, testInfo);
    expect(prompt["7:0"]!.inputs).toEqual({ radius: 4, image: ["1", 0] });
    expect(prompt["7:1"]!.inputs).toEqual({ radius: 5, image: ["7:0", 0] });
    expect(prompt["9"]!.inputs["images"]).toEqual(["7:1", 0]);
  });

  it("reads the version 1 format (links as objects)", () => {
    const v04 = workflow({ 1: src, 2: save(1) }, [[1, 1, 0, 2, 0, "IMAGE"]]);
    const v1 = { ...v04, version: 1, state: { lastNodeId: 2, lastLinkId: 1 }, links: [{ id: 1, origin_id: 1, origin_slot: 0, target_id: 2, target_slot: 0, type: "IMAGE" }] };
    expect(uiToApi(v1, testInfo).prompt).toEqual(uiToApi(v04, testInfo).prompt);
    expect(() => uiToApi({ ...v1, links: [[1, 1, 0, 2, 0, "IMAGE"]] }, testInfo)).toThrow(expect.objectContaining({ code: "WORKFLOW_MALFORMED" }));
  });

  it("names unknown node types, every one, and suggests a missing custom node pack", () => {
    const wf = workflow({ 1: { type: "FancyUpscale" }, 2: { type: "OtherThing" }, 3: save(null) }, []);
    try {
      uiToApi(wf, testInfo);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WorkflowError);
      expect((error as WorkflowError).code).toBe("WORKFLOW_UNKNOWN_NODE");
      expect((error as WorkflowError).message).toContain("node #1 (FancyUpscale): unknown node type FancyUpscale (missing custom node pack?)");
      expect((error as WorkflowError).problems).toHaveLength(2);
    }
  });

  it("reports dangling links with node and input", () => {
    expect(() => uiToApi(workflow({ 2: save(99) }, []), testInfo)).toThrow(/node #2 \(Save\) input images: link 99 is not in the workflow's links/);
    expect(() => uiToApi(workflow({ 2: save(1) }, [[1, 40, 0, 2, 0, "IMAGE"]]), testInfo)).toThrow(/links to node #40, which is not in the workflow/);
  });

  it("warns when widget values are missing and uses the defaults", () => {
    const { prompt, warnings } = uiToApi(workflow({ 1: { type: "Blur", widgets: [] } }, []), testInfo);
    expect(prompt["1"]!.inputs).toEqual({ radius: 1 });
    expect(warnings).toEqual(["node #1 (Blur): no saved value for radius = 1; using the default"]);
  });

  it("refuses malformed, too deep or too large input with stable codes", () => {
    const code = (value: unknown) => {
      try {
        uiToApi(value, testInfo);
      } catch (error) {
        return (error as WorkflowError).code;
      }
      return "none";
    };
    expect(code({ nodes: [{ id: 1 }] })).toBe("WORKFLOW_MALFORMED");
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(code({ nodes: [], extra: { deep } })).toBe("WORKFLOW_TOO_DEEP");
    expect(code({ nodes: Array.from({ length: 10_001 }, (_, i) => ({ id: i, type: "Note" })) })).toBe("WORKFLOW_TOO_LARGE");
  });
});
