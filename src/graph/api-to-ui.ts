/**
 * API prompt -> UI workflow (0.4), laid out for the editor: nodes in columns by link depth,
 * links with per-node input/output link ids, widgets_values in the editor's order (control
 * values after seeds, from `_meta.control_after_generate`), a group per "ImgDiff/<stage>"
 * category. uiToApi of the result gives the prompt back. Pure.
 */
import { compareIds } from "./node-ids.js";
import { isLink, unwrapValue, type ApiPrompt } from "./api-prompt.js";
import { outputType, type NodeDefWire, type ObjectInfo } from "./object-info.js";
import { WorkflowError, controlModeOf, isWidgetInput, orderedInputs, widgetDefault, widgetLayout } from "./ui-workflow.js";

export interface ApiToUiOptions {
  /** Draw a group around the nodes of each "ImgDiff/<stage>" category (default true). */
  readonly groups?: boolean;
}

export interface UiWorkflowOut {
  last_node_id: number;
  last_link_id: number;
  nodes: UiNodeOut[];
  links: Array<[number, number, number, number, number, string]>;
  groups: Array<{ id: number; title: string; bounding: [number, number, number, number]; color: string; font_size: number }>;
  config: Record<string, never>;
  extra: { ds: { scale: number; offset: [number, number] } };
  version: 0.4;
}

interface UiNodeOut {
  id: number;
  type: string;
  pos: [number, number];
  size: [number, number];
  flags: Record<string, never>;
  order: number;
  mode: 0;
  title?: string;
  inputs: Array<{ name: string; type: string; link: number | null; widget?: { name: string } }>;
  outputs: Array<{ name: string; type: string; links: number[]; slot_index: number }>;
  properties: { "Node name for S&R": string };
  widgets_values: unknown[];
}

export interface ApiToUiResult {
  readonly workflow: UiWorkflowOut;
  /** Inputs the prompt left out (given their defaults) or that the node does not have (dropped). */
  readonly warnings: string[];
}

const COLUMN_WIDTH = 340;
const COLUMN_GAP = 60;
const ROW_GAP = 40;
const MARGIN = 50;
const SLOT_HEIGHT = 24;
const GROUP_PAD = 20;
const GROUP_TITLE = 40;
const CATEGORY_PREFIX = "ImgDiff/";


function typeName(head: unknown): string {
  return Array.isArray(head) ? "COMBO" : String(head);
}

export function apiToUi(prompt: ApiPrompt, objectInfo: ObjectInfo, options: ApiToUiOptions = {}): ApiToUiResult {
  const warnings: string[] = [];
  const unknown = Object.entries(prompt).filter(([, n]) => !Object.hasOwn(objectInfo, n.class_type));
  if (unknown.length > 0) {
    throw new WorkflowError("WORKFLOW_UNKNOWN_NODE", "the prompt uses node types that are not installed (missing custom node pack?)", unknown.map(([id, n]) => `node #${id}: unknown node type ${n.class_type}`));
  }
  const depth = depths(prompt);
  const ids = Object.keys(prompt).sort((a, b) => depth.get(a)! - depth.get(b)! || compareIds(a, b));

  // UI ids must be numbers: keep integer API ids, number the others after the largest.
  const uiId = new Map<string, number>();
  let next = Math.max(0, ...ids.filter((id) => /^\d+$/.test(id)).map(Number)) + 1;
  for (const id of ids) uiId.set(id, /^\d+$/.test(id) ? Number(id) : next++);

  const nodes = new Map<string, UiNodeOut>();
  for (const [order, id] of ids.entries()) {
    const api = prompt[id]!;
    const def = objectInfo[api.class_type]!;
    nodes.set(id, buildNode(id, uiId.get(id)!, order, api, def, warnings));
  }

  const links: UiWorkflowOut["links"] = [];
  for (const id of ids) {
    const target = nodes.get(id)!;
    for (const [slotIndex, slot] of target.inputs.entries()) {
      const value = prompt[id]!.inputs[slot.widget?.name ?? slot.name];
      if (!isLink(value)) continue;
      const [from, fromSlot] = value;
      const origin = nodes.get(from);
      const type = origin ? outputType(objectInfo[prompt[from]!.class_type]!, fromSlot) : undefined;
      if (!origin || type === undefined || !origin.outputs[fromSlot]) {
        throw new WorkflowError("WORKFLOW_BROKEN", "the prompt cannot be laid out", [`node #${id} (${target.type}) input ${slot.name} links to output ${fromSlot} of node #${from}, which does not exist`]);
      }
      const linkId = links.length + 1;
      links.push([linkId, origin.id, fromSlot, target.id, slotIndex, type]);
      slot.link = linkId;
      origin.outputs[fromSlot]!.links.push(linkId);
    }
  }

  layout(ids, nodes, depth);
  const groups = options.groups === false ? [] : categoryGroups(ids, nodes, prompt, objectInfo);
  return {
    workflow: {
      last_node_id: Math.max(0, ...uiId.values()),
      last_link_id: links.length,
      nodes: ids.map((id) => nodes.get(id)!),
      links,
      groups,
      config: {},
      extra: { ds: { scale: 1, offset: [0, 0] } },
      version: 0.4,
    },
    warnings,
  };
}

function buildNode(apiId: string, id: number, order: number, api: ApiPrompt[string], def: NodeDefWire, warnings: string[]): UiNodeOut {
  const where = `node #${apiId} (${api.class_type})`;
  const controls = api._meta?.control_after_generate ?? {};
  const declared = new Map(orderedInputs(def).map(([name, wire]) => [name, wire]));
  const widgets_values = widgetLayout(def).map((slot) => {
    const wire = declared.get(slot.input)!;
    const value = api.inputs[slot.input];
    switch (slot.kind) {
      case "value":
        if (value === undefined) {
          warnings.push(`${where}: input ${slot.input} is missing; the editor will show its default ${JSON.stringify(widgetDefault(wire))}`);
          return widgetDefault(wire);
        }
        return isLink(value) ? widgetDefault(wire) : unwrapValue(value);
      case "control":
        return controls[slot.input] ?? controlModeOf(slot.input, wire) ?? "fixed";
      case "filter":
        return "";
      case "upload":
        return "image";
    }
  });
  for (const name of Object.keys(api.inputs)) {
    if (!declared.has(name)) warnings.push(`${where}: input ${name} is not an input of ${api.class_type}; dropped`);
  }
  // Socket inputs always have a slot; widget inputs get one only when linked (editor >= 1.16).
  const inputs: UiNodeOut["inputs"] = [];
  for (const [name, wire] of declared) {
    if (!isWidgetInput(def, name)) inputs.push({ name, type: typeName(wire[0]), link: null });
    else if (isLink(api.inputs[name])) inputs.push({ name, type: typeName(wire[0]), link: null, widget: { name } });
  }
  const outputs = def.output.map((type, slot) => ({ name: def.output_name?.[slot] ?? typeName(type), type: typeName(type), links: [] as number[], slot_index: slot }));
  const title = api._meta?.title;
  const widgets = widgets_values.length;
  const node: UiNodeOut = {
    id,
    type: api.class_type,
    pos: [0, 0],
    size: [COLUMN_WIDTH - 20, 46 + SLOT_HEIGHT * (Math.max(inputs.length, outputs.length) + widgets)],
    flags: {},
    order,
    mode: 0,
    inputs,
    outputs,
    properties: { "Node name for S&R": api.class_type },
    widgets_values,
  };
  if (title !== undefined && title !== (def.display_name ?? api.class_type)) node.title = title;
  return node;
}

/** Longest path from a node without links, per node; a cycle is an error. Iterative, for long chains. */
function depths(prompt: ApiPrompt): Map<string, number> {
  const depth = new Map<string, number>();
  const onStack = new Set<string>();
  const origins = (id: string) => Object.values(prompt[id]!.inputs).filter(isLink).map((l) => l[0]).filter((o) => Object.hasOwn(prompt, o));
  for (const root of Object.keys(prompt)) {
    if (depth.has(root)) continue;
    const stack: Array<{ id: string; pending: string[] }> = [{ id: root, pending: origins(root) }];
    onStack.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top.pending.pop();
      if (next === undefined) {
        depth.set(top.id, Math.max(-1, ...origins(top.id).map((o) => depth.get(o)!)) + 1);
        onStack.delete(top.id);
        stack.pop();
      } else if (onStack.has(next)) {
        throw new WorkflowError("WORKFLOW_CYCLE", `the prompt's links form a cycle through node #${next}`);
      } else if (!depth.has(next)) {
        onStack.add(next);
        stack.push({ id: next, pending: origins(next) });
      }
    }
  }
  return depth;
}

function layout(ids: readonly string[], nodes: Map<string, UiNodeOut>, depth: Map<string, number>): void {
  const columnY = new Map<number, number>();
  for (const id of ids) {
    const d = depth.get(id)!;
    const node = nodes.get(id)!;
    const y = columnY.get(d) ?? MARGIN + GROUP_TITLE;
    node.pos = [MARGIN + d * (COLUMN_WIDTH + COLUMN_GAP), y];
    columnY.set(d, y + node.size[1] + ROW_GAP + GROUP_TITLE);
  }
}

const GROUP_COLORS = ["#3f789e", "#8A8", "#b06634", "#a1309b", "#88A", "#b58b2a"];

function categoryGroups(ids: readonly string[], nodes: Map<string, UiNodeOut>, prompt: ApiPrompt, info: ObjectInfo): UiWorkflowOut["groups"] {
  const byCategory = new Map<string, UiNodeOut[]>();
  for (const id of ids) {
    const category = info[prompt[id]!.class_type]!.category;
    if (!category?.startsWith(CATEGORY_PREFIX)) continue;
    const list = byCategory.get(category) ?? [];
    list.push(nodes.get(id)!);
    byCategory.set(category, list);
  }
  return [...byCategory].map(([category, members], i) => {
    const x1 = Math.min(...members.map((n) => n.pos[0])) - GROUP_PAD;
    const y1 = Math.min(...members.map((n) => n.pos[1])) - GROUP_TITLE;
    const x2 = Math.max(...members.map((n) => n.pos[0] + n.size[0])) + GROUP_PAD;
    const y2 = Math.max(...members.map((n) => n.pos[1] + n.size[1])) + GROUP_PAD;
    return { id: i + 1, title: category.slice(CATEGORY_PREFIX.length), bounding: [x1, y1, x2 - x1, y2 - y1], color: GROUP_COLORS[i % GROUP_COLORS.length]!, font_size: 24 };
  });
}

