/**
 * UI workflow -> API prompt, giving what ComfyUI's editor would queue (its graphToPrompt), from
 * the workflow and object_info alone: widget values mapped to input names, links resolved
 * through Reroutes, PrimitiveNodes, muted and bypassed nodes, subgraphs and legacy group nodes
 * expanded with `outer:inner` ids. Seed control modes, which the API format lacks, are kept in
 * `_meta.control_after_generate` for our local executor (ComfyUI ignores `_meta`). Pure.
 */
import { compareIds } from "./node-ids.js";
import type { ApiNode, ApiPrompt } from "./api-prompt.js";
import type { NodeDefWire, ObjectInfo } from "./object-info.js";
import type { SeedControl } from "../nodes/inputs.js";
import {
  WorkflowError, controlModeOf, controlValue, graphOf, isWidgetInput, orderedInputs, parseUiWorkflow, widgetDefault, widgetLayout,
  type GroupNodeDefinition, type ParsedWorkflow, type UiGraph, type UiInputSlot, type UiNode, type UiNodeId,
} from "./ui-workflow.js";

export interface UiToApiResult {
  readonly prompt: ApiPrompt;
  /** Things converted on a guess (missing widget values, values that do not fit), for people. */
  readonly warnings: string[];
}

const MUTED = 2;
const BYPASSED = 4;
const VIRTUAL = new Set(["PrimitiveNode", "Reroute", "Note", "MarkdownNote"]);
/** Ids of a subgraph's boundary nodes, as the editor writes them. */
const SUBGRAPH_INPUT_ID = -10;
const SUBGRAPH_OUTPUT_ID = -20;
const MAX_NESTING = 32;

type Resolved = { kind: "link"; id: string; slot: number } | { kind: "value"; value: unknown; control?: SeedControl } | { kind: "none" };

/** One graph level: the workflow, or the inside of one subgraph or group node instance. */
interface Scope {
  readonly prefix: string;
  readonly graph: UiGraph;
  /** For inner scopes: the instance in its parent scope, and its boundary. */
  readonly parent?: { readonly scope: Scope; readonly instance: UiNode; readonly inputNames: readonly (string | undefined)[] };
  readonly inputId?: UiNodeId;
  readonly outputId?: UiNodeId;
  /** Subgraph ids from the outermost level, to refuse a subgraph that contains itself. */
  readonly path: readonly string[];
}

export function wrapValue(value: unknown): unknown {
  return Array.isArray(value) ? { __value__: value } : value;
}

function nodeLabel(scope: Scope, node: UiNode): string {
  return `node #${scope.prefix}${node.id} (${node.type})`;
}

export function uiToApi(workflow: unknown, objectInfo: ObjectInfo, source = "workflow"): UiToApiResult {
  const parsed = parseUiWorkflow(workflow, source);
  return new Converter(parsed, objectInfo, source).run();
}

class Converter {
  private readonly prompt: Record<string, ApiNode> = {};
  private readonly warnings: string[] = [];
  private readonly errors: string[] = [];
  private readonly unknown: string[] = [];
  private readonly scopes = new Map<string, Scope | null>();

  constructor(
    private readonly wf: ParsedWorkflow,
    private readonly info: ObjectInfo,
    private readonly source: string,
  ) {}

  run(): UiToApiResult {
    this.emitScope({ prefix: "", graph: this.wf.graph, path: [] });
    if (this.unknown.length > 0) {
      throw new WorkflowError("WORKFLOW_UNKNOWN_NODE", `${this.source} uses node types that are not installed (missing custom node pack?)`, [...this.unknown, ...this.errors]);
    }
    if (this.errors.length > 0) throw new WorkflowError("WORKFLOW_BROKEN", `${this.source} cannot be converted`, this.errors);
    return { prompt: this.prompt, warnings: this.warnings };
  }

  private isContainer(node: UiNode): boolean {
    return this.wf.subgraphs.has(node.type) || this.groupNodeName(node) !== undefined;
  }

  private groupNodeName(node: UiNode): string | undefined {
    const m = /^workflow[>/](.+)$/.exec(node.type);
    return m && Object.hasOwn(this.wf.groupNodes, m[1]!) ? m[1]! : undefined;
  }

  private emitScope(scope: Scope): void {
    const nodes = [...scope.graph.nodes.values()].sort((a, b) => (a.order ?? 0) - (b.order ?? 0) || compareIds(String(a.id), String(b.id)));
    for (const node of nodes) {
      if (VIRTUAL.has(node.type) || node.mode === MUTED || node.mode === BYPASSED) continue;
      if (this.isContainer(node)) {
        const inner = this.innerScope(scope, node);
        if (inner) this.emitScope(inner);
        continue;
      }
      this.emitNode(scope, node);
    }
  }

  private emitNode(scope: Scope, node: UiNode): void {
    const def = Object.hasOwn(this.info, node.type) ? this.info[node.type] : undefined;
    const where = nodeLabel(scope, node);
    if (!def) {
      this.unknown.push(`${where}: unknown node type ${node.type} (missing custom node pack?)`);
      return;
    }
    const { values, controls } = this.readWidgets(where, node, def);
    const inputs: Record<string, unknown> = { ...values };
    for (const slot of node.inputs ?? []) {
      if (slot.link === null || slot.link === undefined) continue;
      const name = slot.widget?.name ?? slot.name;
      const resolved = this.resolveLink(scope, slot.link, slot.type, `${where} input ${name}`);
      if (resolved.kind === "link") inputs[name] = [resolved.id, resolved.slot];
      else if (resolved.kind === "value") {
        inputs[name] = wrapValue(resolved.value);
        if (resolved.control && controls[name]) controls[name] = resolved.control;
      }
    }
    const meta: NonNullable<ApiNode["_meta"]> = { title: node.title ?? def.display_name ?? node.type };
    if (Object.keys(controls).length > 0) meta.control_after_generate = controls;
    this.prompt[`${scope.prefix}${node.id}`] = { class_type: node.type, inputs, _meta: meta };
  }

  /** Widget values by input name, and the control modes of seed-like widgets. */
  private readWidgets(where: string, node: UiNode, def: NodeDefWire): { values: Record<string, unknown>; controls: Record<string, SeedControl> } {
    const values: Record<string, unknown> = {};
    const controls: Record<string, SeedControl> = {};
    const wires = Object.fromEntries(orderedInputs(def).map(([name, wire]) => [name, wire]));
    const stored = node.widgets_values;
    let layout = widgetLayout(def);
    if (Array.isArray(stored) && stored.length !== layout.length) {
      // Old files also stored forceInput inputs; the editor drops those positions.
      const old = widgetLayout(def, true);
      if (old.length === stored.length) layout = old;
    }
    const defaulted: string[] = [];
    layout.forEach((slot, i) => {
      const wire = wires[slot.input]!;
      if (slot.kind === "value" && wire[1]?.["forceInput"] === true) return;
      const has = Array.isArray(stored) ? i < stored.length : stored != null && Object.hasOwn(stored, slot.input);
      const raw = Array.isArray(stored) ? stored[i] : stored?.[slot.input];
      if (slot.kind === "value") {
        if (!has) defaulted.push(`${slot.input} = ${JSON.stringify(widgetDefault(wire))}`);
        values[slot.input] = wrapValue(has ? raw : widgetDefault(wire));
      } else if (slot.kind === "control") {
        const declared = controlModeOf(slot.input, wire);
        if (declared) controls[slot.input] = (Array.isArray(stored) && has ? controlValue(raw) : undefined) ?? declared;
      }
    });
    if (defaulted.length > 0) this.warnings.push(`${where}: no saved value for ${defaulted.join(", ")}; using the default`);
    if (Array.isArray(stored) && stored.length > layout.length) {
      this.warnings.push(`${where}: ${stored.length - layout.length} extra widget value(s) ignored (the node's inputs differ from when the workflow was saved)`);
    }
    return { values, controls };
  }

  /**
   * Follows a link back to what really feeds it: through Reroutes, bypassed nodes, subgraph
   * boundaries and group nodes. A loop, not recursion, so long chains cannot exhaust the stack.
   */
  private resolveLink(start: Scope, startLink: number, wanted: unknown, where: string): Resolved {
    const seen = new Set<string>();
    let scope = start;
    let linkId = startLink;
    for (;;) {
      const link = scope.graph.links.get(linkId);
      if (!link) {
        this.errors.push(`${where}: link ${linkId} is not in the workflow's links`);
        return { kind: "none" };
      }
      if (scope.parent && scope.inputId !== undefined && String(link.originId) === String(scope.inputId)) {
        // A subgraph input seen from inside: whatever feeds the instance's matching input outside.
        const { scope: outer, instance, inputNames } = scope.parent;
        const name = inputNames[link.originSlot];
        const slot = (name !== undefined ? instance.inputs?.find((s) => s.name === name) : undefined) ?? instance.inputs?.[link.originSlot];
        if (slot?.link === null || slot?.link === undefined) {
          // Unlinked outside: the instance's promoted widget, if the input is one, else the
          // inner node keeps its own widget value.
          return promotedValue(instance, slot?.name) ?? { kind: "none" };
        }
        scope = outer;
        linkId = slot.link;
        continue;
      }
      const nodeId = String(link.originId);
      const slot = link.originSlot;
      const key = `${scope.prefix}${nodeId}/${slot}`;
      if (seen.has(key)) {
        this.errors.push(`${where}: links loop through node #${scope.prefix}${nodeId} without reaching a real node`);
        return { kind: "none" };
      }
      seen.add(key);
      const node = scope.graph.nodes.get(nodeId);
      if (!node) {
        this.errors.push(`${where}: links to node #${scope.prefix}${nodeId}, which is not in the workflow`);
        return { kind: "none" };
      }
      if (node.mode === MUTED) return { kind: "none" };
      if (node.type === "PrimitiveNode") {
        const values = Array.isArray(node.widgets_values) ? node.widgets_values : [];
        if (values.length === 0) return { kind: "none" };
        const control = controlValue(values[1]);
        return control ? { kind: "value", value: values[0], control } : { kind: "value", value: values[0] };
      }
      let next: number | null | undefined;
      if (node.type === "Reroute") next = node.inputs?.[0]?.link;
      else if (VIRTUAL.has(node.type)) return { kind: "none" };
      else if (node.mode === BYPASSED) {
        const index = bypassInput(node, slot, wanted);
        next = index >= 0 ? node.inputs?.[index]?.link : undefined;
      } else if (this.isContainer(node)) {
        const inner = this.innerScope(scope, node);
        const feed = inner && [...inner.graph.links.values()].find((l) => String(l.targetId) === String(inner.outputId) && l.targetSlot === slot);
        if (!inner || !feed) return { kind: "none" };
        scope = inner;
        linkId = feed.id;
        continue;
      } else return { kind: "link", id: `${scope.prefix}${nodeId}`, slot };
      if (next === null || next === undefined) return { kind: "none" };
      linkId = next;
    }
  }

  /** The inside of a subgraph or group node instance (memoised), or null if it cannot be built. */
  private innerScope(scope: Scope, node: UiNode): Scope | null {
    const id = `${scope.prefix}${node.id}`;
    const cached = this.scopes.get(id);
    if (cached !== undefined) return cached;
    let inner: Scope | null = null;
    const subgraph = this.wf.subgraphs.get(node.type);
    if (scope.path.length >= MAX_NESTING || (subgraph && scope.path.includes(subgraph.id))) {
      this.errors.push(`${nodeLabel(scope, node)}: subgraphs nest ${scope.path.length >= MAX_NESTING ? `more than ${MAX_NESTING} levels deep` : "inside themselves"}`);
    } else if (subgraph) {
      inner = {
        prefix: `${id}:`,
        graph: graphOf(subgraph.nodes, subgraph.links),
        parent: { scope, instance: node, inputNames: subgraph.inputs.map((i) => i.name) },
        inputId: subgraph.inputNode?.id ?? SUBGRAPH_INPUT_ID,
        outputId: subgraph.outputNode?.id ?? SUBGRAPH_OUTPUT_ID,
        path: [...scope.path, subgraph.id],
      };
    } else {
      const name = this.groupNodeName(node)!;
      inner = { ...groupNodeGraph(this.wf.groupNodes[name]!, node, this.info), prefix: `${id}:`, parent: { scope, instance: node, inputNames: [] }, inputId: SUBGRAPH_INPUT_ID, outputId: SUBGRAPH_OUTPUT_ID, path: [...scope.path, `workflow>${name}`] };
    }
    this.scopes.set(id, inner);
    return inner;
  }
}


/** Litegraph's type compatibility: equal, a wildcard, or comma-separated sets that intersect. */
function compatible(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined || a === "" || b === "" || a === "*" || b === "*" || a === 0 || b === 0) return true;
  if (typeof a !== "string" || typeof b !== "string") return a === b;
  if (a.toLowerCase() === b.toLowerCase()) return true;
  const set = new Set(a.toLowerCase().split(","));
  return b.toLowerCase().split(",").some((t) => set.has(t));
}

/** Which input of a bypassed node stands in for output `slot`, by the editor's rules. */
function bypassInput(node: UiNode, slot: number, wanted: unknown): number {
  const inputs: readonly UiInputSlot[] = node.inputs ?? [];
  if (inputs.length === 0) return -1;
  if (wanted === "*" || wanted === "" || wanted === undefined) return inputs.length > slot ? slot : 0;
  const same = inputs[slot];
  if (same && compatible(same.type, node.outputs?.[slot]?.type) && compatible(same.type, wanted)) return slot;
  const exact = inputs.findIndex((i) => i.type === wanted);
  return exact >= 0 ? exact : inputs.findIndex((i) => compatible(i.type, wanted));
}

/**
 * A subgraph instance saves the values of its promoted widgets (subgraph inputs that feed a
 * widget inside) in its own `widgets_values`, in the order of its widget inputs; a promoted INT
 * seed is followed by its control mode, as on any node.
 */
function promotedValue(instance: UiNode, name: string | undefined): Resolved | undefined {
  if (name === undefined || !Array.isArray(instance.widgets_values)) return undefined;
  const values = instance.widgets_values;
  let at = 0;
  for (const slot of (instance.inputs ?? []).filter((s) => s.widget !== undefined)) {
    if (at >= values.length) return undefined;
    const value = values[at++];
    // Only the string modes: a boolean here is the next widget's value, not an old-style mode.
    const control = slot.type === "INT" && typeof values[at] === "string" ? controlValue(values[at]) : undefined;
    if (control) at++;
    if (slot.name === name) return control ? { kind: "value", value, control } : { kind: "value", value };
  }
  return undefined;
}

/**
 * The inside of a legacy group node as a graph with a subgraph-style boundary. Inner node i has
 * id i. The instance's inputs are the inner socket inputs not linked inside the group, in node
 * order; its outputs are the inner outputs not linked inside the group (or listed in
 * `external`); its widgets_values hold the inner widgets not linked inside, in node order.
 */
function groupNodeGraph(def: GroupNodeDefinition, instance: UiNode, info: ObjectInfo): { graph: UiGraph } {
  const linkedIn = new Set(def.links.map(([, , to, toSlot]) => `${to}/${toSlot}`));
  const linkedOut = new Set(def.links.map(([from, fromSlot]) => `${from}/${fromSlot}`));
  const external = new Set(def.external.map(([from, fromSlot]) => `${from}/${fromSlot}`));
  const links: Array<[number, number, number, UiNodeId, number, unknown]> = def.links.map(([from, fromSlot, to, toSlot], i) => [i + 1, from, fromSlot, to, toSlot, "*"]);
  let nextLink = links.length + 1;
  let inputIndex = 0;
  let outputIndex = 0;
  const widgetValues = Array.isArray(instance.widgets_values) ? [...instance.widgets_values] : undefined;
  const nodes: UiNode[] = def.nodes.map((inner, i) => {
    const nodeDef = info[inner.type];
    const inputs: UiInputSlot[] = (inner.inputs ?? socketSlots(nodeDef)).map((slot, s) => {
      const internal = links.find(([, , , to, toSlot]) => to === i && toSlot === s);
      if (internal) return { ...slot, link: internal[0] };
      if (slot.widget) return { ...slot, link: null };
      links.push([nextLink, SUBGRAPH_INPUT_ID, inputIndex++, i, s, slot.type]);
      return { ...slot, link: nextLink++ };
    });
    const outputCount = nodeDef ? nodeDef.output.length : (inner.outputs?.length ?? 0);
    for (let o = 0; o < outputCount; o++) {
      if (linkedOut.has(`${i}/${o}`) && !external.has(`${i}/${o}`)) continue;
      links.push([nextLink++, i, o, SUBGRAPH_OUTPUT_ID, outputIndex++, "*"]);
    }
    let values = inner.widgets_values;
    if (widgetValues && nodeDef) {
      // The instance holds the current values of the widgets it shows; the rest keep the inner ones.
      const inside = new Set(inputs.filter((s, k) => s.widget && linkedIn.has(`${i}/${k}`)).map((s) => s.widget!.name));
      const own = Array.isArray(inner.widgets_values) ? inner.widgets_values : [];
      values = widgetLayout(nodeDef).map((w, j) => (inside.has(w.input) || widgetValues.length === 0 ? own[j] : widgetValues.shift()));
    }
    return { ...inner, id: i, inputs, widgets_values: values, mode: inner.mode ?? instance.mode };
  });
  return { graph: graphOf(nodes, links) };
}

function socketSlots(def: NodeDefWire | undefined): UiInputSlot[] {
  if (!def) return [];
  return orderedInputs(def)
    .filter(([name]) => !isWidgetInput(def, name))
    .map(([name, wire]) => ({ name, type: Array.isArray(wire[0]) ? "COMBO" : wire[0], link: null }));
}
