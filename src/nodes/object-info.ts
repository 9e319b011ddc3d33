/** Derives a node's object_info definition, in ComfyUI's wire format, from its declaration. */
import type { NodeDefinition } from "./define.js";
import type { InputSpec } from "./inputs.js";
import type { InputWire, NodeDefWire } from "../graph/object-info.js";

export const PYTHON_MODULE = "custom_nodes.comfyui-imgdiff";

export function inputWire(spec: InputSpec): InputWire {
  const options: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) options[key] = value;
  };
  let head: string | unknown[];
  switch (spec.kind) {
    case "INT":
    case "FLOAT":
      head = spec.kind;
      set("default", spec.default);
      set("min", spec.min);
      set("max", spec.max);
      set("step", spec.step);
      if (spec.kind === "INT") set("control_after_generate", spec.control_after_generate);
      if (spec.kind === "FLOAT") set("round", spec.round);
      set("display", spec.display);
      break;
    case "STRING":
      head = "STRING";
      set("default", spec.default);
      set("multiline", spec.multiline);
      set("placeholder", spec.placeholder);
      break;
    case "BOOLEAN":
      head = "BOOLEAN";
      set("default", spec.default);
      set("label_on", spec.label_on);
      set("label_off", spec.label_off);
      break;
    case "COMBO":
      head = [...spec.options];
      set("default", spec.default);
      break;
    case "SOCKET":
      head = spec.type;
      break;
  }
  set("tooltip", spec.tooltip);
  return Object.keys(options).length === 0 ? [head] : [head, options];
}

export function objectInfoOf(node: NodeDefinition): NodeDefWire {
  const required: Record<string, InputWire> = {};
  const optional: Record<string, InputWire> = {};
  for (const [name, spec] of Object.entries(node.inputs)) {
    (spec.optional ? optional : required)[name] = inputWire(spec);
  }
  const outputs = Object.entries(node.outputs);
  const def: NodeDefWire = {
    input: Object.keys(optional).length ? { required, optional } : { required },
    input_order: Object.keys(optional).length
      ? { required: Object.keys(required), optional: Object.keys(optional) }
      : { required: Object.keys(required) },
    output: outputs.map(([, o]) => o.type),
    output_is_list: outputs.map(() => false),
    output_name: outputs.map(([name]) => name),
    name: node.type,
    display_name: node.displayName,
    description: node.description,
    python_module: PYTHON_MODULE,
    category: node.category,
    output_node: node.outputNode,
  };
  if (outputs.some(([, o]) => o.tooltip)) def.output_tooltips = outputs.map(([, o]) => o.tooltip ?? null);
  return def;
}
