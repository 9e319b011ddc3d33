import { describe, expect, it } from "vitest";
import { defineNode } from "../../src/nodes/define.js";
import { boolean, combo, float, image, int, optional, output, string } from "../../src/nodes/inputs.js";
import { objectInfoOf } from "../../src/nodes/object-info.js";
import { createRegistry } from "../../src/nodes/registry.js";
import { NodeDefWireSchema } from "../../src/graph/object-info.js";

const Example = defineNode({
  type: "ImgDiff.Example",
  category: "ImgDiff/test",
  description: "an example",
  inputs: {
    picture: image({ tooltip: "the picture" }),
    seed: int({ default: 3, min: 0, max: 100, step: 1, control_after_generate: true }),
    ratio: float({ default: 0.5, min: 0, max: 1, step: 0.01, round: 0.001 }),
    text: string({ default: "hi", multiline: true }),
    flag: boolean({ default: false, label_on: "yes", label_off: "no" }),
    mode: combo(["a", "b"], { default: "b", tooltip: "pick" }),
    extra: optional(image()),
  },
  outputs: { picture: output("IMAGE", "same picture"), label: output("STRING") },
  run: ({ picture, text }) => ({ picture, label: text }),
});

describe("defineNode -> object_info", () => {
  it("derives ComfyUI's wire format exactly", () => {
    expect(objectInfoOf(Example)).toEqual({
      input: {
        required: {
          picture: ["IMAGE", { tooltip: "the picture" }],
          seed: ["INT", { default: 3, min: 0, max: 100, step: 1, control_after_generate: true }],
          ratio: ["FLOAT", { default: 0.5, min: 0, max: 1, step: 0.01, round: 0.001 }],
          text: ["STRING", { default: "hi", multiline: true }],
          flag: ["BOOLEAN", { default: false, label_on: "yes", label_off: "no" }],
          mode: [["a", "b"], { default: "b", tooltip: "pick" }],
        },
        optional: { extra: ["IMAGE"] },
      },
      input_order: { required: ["picture", "seed", "ratio", "text", "flag", "mode"], optional: ["extra"] },
      output: ["IMAGE", "STRING"],
      output_is_list: [false, false],
      output_name: ["picture", "label"],
      output_tooltips: ["same picture", null],
      name: "ImgDiff.Example",
      display_name: "ImgDiff Example",
      description: "an example",
      python_module: "custom_nodes.comfyui-imgdiff",
      category: "ImgDiff/test",
      output_node: false,
    });
    expect(NodeDefWireSchema.safeParse(objectInfoOf(Example)).success).toBe(true);
  });

  it("refuses defaults outside their range, bad type names, and combo defaults not in the list", () => {
    const base = { category: "c", description: "d", outputs: {}, run: () => ({}) };
    expect(() => defineNode({ ...base, type: "X", inputs: { n: int({ default: 5, min: 0, max: 4 }) } })).toThrow(/outside \[0, 4\]/);
    expect(() => defineNode({ ...base, type: "bad name", inputs: {} })).toThrow(/node type/);
    expect(() => combo(["a"], { default: "z" as "a" })).toThrow(/not one of/);
  });

  it("a registry refuses duplicates and lists object_info for all", () => {
    const registry = createRegistry([Example]);
    expect(() => registry.register(Example)).toThrow(/twice/);
    expect(Object.keys(registry.objectInfo())).toEqual(["ImgDiff.Example"]);
  });
});
