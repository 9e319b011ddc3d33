/** Small object_info and UI-workflow builders for the converter tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ObjectInfo, NodeDefWire } from "../../src/graph/object-info.js";

export const fixtures = join(import.meta.dirname, "../fixtures");
export const comfyInfo = JSON.parse(readFileSync(join(fixtures, "comfyui-0.3.64/object_info.json"), "utf8")) as ObjectInfo;
export const readJson = (path: string): unknown => JSON.parse(readFileSync(join(fixtures, path), "utf8"));

function def(name: string, required: Record<string, unknown>, output: string[], outputNode = false, optional?: Record<string, unknown>): NodeDefWire {
  return { name, input: { required, ...(optional ? { optional } : {}) }, output, output_name: output, output_node: outputNode, display_name: name, category: "test" } as NodeDefWire;
}

export const testInfo: ObjectInfo = {
  Src: def("Src", { seed: ["INT", { default: 0, min: 0, max: 100, control_after_generate: true }], size: [["512", "1024"]] }, ["IMAGE", "MASK"]),
  Blur: def("Blur", { image: ["IMAGE"], radius: ["FLOAT", { default: 1, min: 0, max: 10 }] }, ["IMAGE"]),
  Save: def("Save", { images: ["IMAGE"], prefix: ["STRING", { default: "out" }] }, [], true, { mask: ["MASK"] }),
  Pick: def("Pick", { choice: [["a", "b"], { control_after_generate: true }], count: ["INT", { default: 1, min: 0, max: 9 }] }, ["STRING"]),
  Load: def("Load", { image: [["x.png"], { image_upload: true }] }, ["IMAGE", "MASK"], false, { strength: ["FLOAT", { default: 0.5, min: 0, max: 1 }] }),
  Forced: def("Forced", { value: ["INT", { forceInput: true }], label: ["STRING", { default: "" }] }, ["INT"]),
  Points: def("Points", { points: ["STRING", { default: "" }] }, ["STRING"]),
};

export interface NodeSpec {
  type: string;
  widgets?: unknown[];
  inputs?: Array<{ name: string; type: string; link: number | null; widget?: { name: string } }>;
  outputs?: Array<{ name: string; type: string; links: number[]; widget?: { name: string } }>;
  mode?: number;
  title?: string;
}

/** A 0.4 workflow from nodes keyed by id and links [id, from, fromSlot, to, toSlot, type]. */
export function workflow(nodes: Record<number, NodeSpec>, links: Array<[number, number, number, number, number, string]>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 0.4,
    nodes: Object.entries(nodes).map(([id, n], order) => ({
      id: Number(id), type: n.type, pos: [0, 0], size: [100, 100], order, mode: n.mode ?? 0,
      inputs: n.inputs ?? [], outputs: n.outputs ?? [], widgets_values: n.widgets ?? [], ...(n.title ? { title: n.title } : {}),
    })),
    links,
    ...extra,
  };
}

/** What the server ignores or adds, and what old editors did not write: removed before comparing. */
export function comparable(prompt: unknown): Record<string, { class_type: string; inputs: Record<string, unknown> }> {
  return Object.fromEntries(
    Object.entries(prompt as Record<string, { class_type: string; inputs: Record<string, unknown> }>).map(([id, node]) => {
      const { upload: _u, "choose file to upload": _c, ...inputs } = node.inputs;
      return [id, { class_type: node.class_type, inputs }];
    }),
  );
}
