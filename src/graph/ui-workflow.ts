/**
 * ComfyUI's UI ("workflow") format, versions 0.4 and 1, as zod schemas that are strict where the
 * converter depends on a field and loose (extra keys kept) where the format is open, plus the
 * normalised graph the converters work on: links as objects in a map, whatever the version.
 * Also the widget layout that ties `widgets_values` positions to input names. Pure: no I/O.
 */
import { z } from "zod";
import { ImgDiffError } from "../errors.js";
import type { NodeDefWire } from "./object-info.js";
import { SEED_CONTROLS, type SeedControl } from "../nodes/inputs.js";

/** A workflow that cannot be read or converted. Lists every problem found. */
export class WorkflowError extends ImgDiffError {
  readonly problems: readonly string[];

  constructor(code: string, summary: string, problems: readonly string[] = []) {
    super(code, problems.length ? `${summary}:\n  - ${problems.join("\n  - ")}` : summary);
    this.problems = problems;
  }
}

const NodeIdSchema = z.union([z.number(), z.string()]);
export type UiNodeId = z.infer<typeof NodeIdSchema>;

/** `[x, y]`; old files store `{"0": x, "1": y}`. */
const PairSchema = z.union([
  z.tuple([z.number(), z.number()]),
  z.object({ "0": z.number(), "1": z.number() }).transform((p): [number, number] => [p["0"], p["1"]]),
]);

export const UiInputSlotSchema = z.looseObject({
  name: z.string(),
  type: z.unknown().optional(),
  link: z.number().nullable().optional(),
  label: z.string().optional(),
  widget: z.looseObject({ name: z.string() }).optional(),
});
export type UiInputSlot = z.infer<typeof UiInputSlotSchema>;

export const UiOutputSlotSchema = z.looseObject({
  name: z.string().optional(),
  type: z.unknown().optional(),
  links: z.array(z.number()).nullable().optional(),
  widget: z.looseObject({ name: z.string() }).optional(),
});
export type UiOutputSlot = z.infer<typeof UiOutputSlotSchema>;

export const UiNodeSchema = z.looseObject({
  id: NodeIdSchema,
  type: z.string({ error: "type must be a string" }),
  pos: PairSchema.optional(),
  size: PairSchema.optional(),
  flags: z.record(z.string(), z.unknown()).optional(),
  order: z.number().optional(),
  /** 0 always, 1 on event, 2 never (muted), 3 on trigger, 4 bypassed. */
  mode: z.number().optional(),
  title: z.string().optional(),
  inputs: z.array(UiInputSlotSchema).optional(),
  outputs: z.array(UiOutputSlotSchema).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  /** An array for ComfyUI's nodes; an object for some custom nodes. */
  widgets_values: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).nullable().optional(),
});
export type UiNode = z.infer<typeof UiNodeSchema>;

/** 0.4: `[link_id, origin_id, origin_slot, target_id, target_slot, type]`. */
const LinkTupleSchema = z.tuple([z.number(), NodeIdSchema, z.number(), NodeIdSchema, z.number()]).rest(z.unknown());
/** v1 and subgraph definitions. */
const LinkObjectSchema = z.looseObject({
  id: z.number(),
  origin_id: NodeIdSchema,
  origin_slot: z.number(),
  target_id: NodeIdSchema,
  target_slot: z.number(),
  type: z.unknown().optional(),
});
const LinkSchema = z.union([LinkTupleSchema, LinkObjectSchema]);

export interface UiLink {
  readonly id: number;
  readonly originId: UiNodeId;
  readonly originSlot: number;
  readonly targetId: UiNodeId;
  readonly targetSlot: number;
  readonly type: unknown;
}

const GroupSchema = z.looseObject({
  title: z.string().optional(),
  bounding: z.array(z.number()).optional(),
});

const SubgraphIoSchema = z.looseObject({ name: z.string(), type: z.unknown().optional(), linkIds: z.array(z.number()).optional() });

export const SubgraphDefinitionSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  nodes: z.array(UiNodeSchema),
  links: z.array(LinkSchema).default([]),
  inputs: z.array(SubgraphIoSchema).default([]),
  outputs: z.array(SubgraphIoSchema).default([]),
  inputNode: z.looseObject({ id: z.number() }).optional(),
  outputNode: z.looseObject({ id: z.number() }).optional(),
});

/** Legacy group node definition (extra.groupNodes[name]); links are `[from_index, from_slot, to_index, to_slot, ...]`. */
export const GroupNodeDefinitionSchema = z.looseObject({
  nodes: z.array(z.looseObject({ type: z.string(), index: z.number().optional(), mode: z.number().optional(), widgets_values: UiNodeSchema.shape.widgets_values, inputs: z.array(UiInputSlotSchema).optional(), outputs: z.array(UiOutputSlotSchema).optional(), title: z.string().optional() })),
  links: z.array(z.tuple([z.number(), z.number(), z.number(), z.number()]).rest(z.unknown())).default([]),
  external: z.array(z.tuple([z.number(), z.number()]).rest(z.unknown())).default([]),
});
export type GroupNodeDefinition = z.infer<typeof GroupNodeDefinitionSchema>;

const common = {
  nodes: z.array(UiNodeSchema, { error: "nodes must be a list of nodes" }),
  groups: z.array(GroupSchema).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  extra: z.looseObject({ groupNodes: z.record(z.string(), GroupNodeDefinitionSchema).optional() }).optional(),
  definitions: z.looseObject({ subgraphs: z.array(SubgraphDefinitionSchema).default([]) }).optional(),
};

export const UiWorkflowV04Schema = z.looseObject({ ...common, version: z.number().optional(), links: z.array(LinkSchema).default([]) });
export const UiWorkflowV1Schema = z.looseObject({ ...common, version: z.literal(1), links: z.array(LinkObjectSchema).default([]) });
export type UiWorkflowV04 = z.infer<typeof UiWorkflowV04Schema>;

/** A graph level (the workflow, a subgraph definition or a group node), links keyed by id. */
export interface UiGraph {
  readonly nodes: ReadonlyMap<string, UiNode>;
  readonly links: ReadonlyMap<number, UiLink>;
}

export interface ParsedWorkflow {
  readonly graph: UiGraph;
  readonly subgraphs: ReadonlyMap<string, z.infer<typeof SubgraphDefinitionSchema>>;
  readonly groupNodes: Readonly<Record<string, GroupNodeDefinition>>;
  readonly groups: readonly z.infer<typeof GroupSchema>[];
}

/** Limits on hostile input, checked before the schema walks the value. */
export const WORKFLOW_LIMITS = { maxDepth: 64, maxValues: 1_000_000, maxNodes: 10_000 } as const;

/**
 * Refuses values nested deeper than `maxDepth`, holding more than `maxValues` values, or with a
 * key that JavaScript objects treat specially ("__proto__": parsers and record schemas drop or
 * misread it, so a node or input of that name would silently vanish). Iterative, so it cannot
 * overflow the stack itself.
 */
export function checkJsonLimits(value: unknown, source: string, limits: { maxDepth: number; maxValues: number } = WORKFLOW_LIMITS): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  let count = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++count > limits.maxValues) throw new WorkflowError("WORKFLOW_TOO_LARGE", `${source} holds more than ${limits.maxValues} JSON values; refused`);
    if (typeof v !== "object" || v === null) continue;
    if (depth > limits.maxDepth) throw new WorkflowError("WORKFLOW_TOO_DEEP", `${source} is nested more than ${limits.maxDepth} levels deep; refused`);
    if (!Array.isArray(v) && Object.hasOwn(v, "__proto__")) throw new WorkflowError("WORKFLOW_MALFORMED", `${source} has a key named "__proto__", which is not a valid node id or input name`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

export function isUiWorkflow(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Array.isArray((value as { nodes?: unknown }).nodes);
}

function toLink(link: z.infer<typeof LinkSchema>): UiLink {
  if (Array.isArray(link)) {
    const [id, originId, originSlot, targetId, targetSlot, type] = link;
    return { id, originId, originSlot, targetId, targetSlot, type };
  }
  return { id: link.id, originId: link.origin_id, originSlot: link.origin_slot, targetId: link.target_id, targetSlot: link.target_slot, type: link.type };
}

export function graphOf(nodes: readonly UiNode[], links: readonly z.infer<typeof LinkSchema>[]): UiGraph {
  return {
    nodes: new Map(nodes.map((n) => [String(n.id), n])),
    links: new Map(links.map((l) => { const link = toLink(l); return [link.id, link]; })),
  };
}

/** Checks and normalises a UI workflow; the version decides the schema, as the editor's loader does. */
export function parseUiWorkflow(value: unknown, source = "workflow"): ParsedWorkflow {
  checkJsonLimits(value, source);
  const v1 = typeof value === "object" && value !== null && (value as { version?: unknown }).version === 1;
  const parsed = (v1 ? UiWorkflowV1Schema : UiWorkflowV04Schema).safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new WorkflowError("WORKFLOW_MALFORMED", `${source} is not a valid ComfyUI ${v1 ? "v1" : "0.4"} UI workflow`, problems);
  }
  const wf = parsed.data;
  const total = wf.nodes.length + (wf.definitions?.subgraphs ?? []).reduce((n, s) => n + s.nodes.length, 0);
  if (total > WORKFLOW_LIMITS.maxNodes) throw new WorkflowError("WORKFLOW_TOO_LARGE", `${source} has ${total} nodes; more than ${WORKFLOW_LIMITS.maxNodes} are refused`);
  return {
    graph: graphOf(wf.nodes, wf.links),
    subgraphs: new Map((wf.definitions?.subgraphs ?? []).map((s) => [s.id, s])),
    groupNodes: wf.extra?.groupNodes ?? {},
    groups: wf.groups ?? [],
  };
}

/** What one `widgets_values` position holds. */
export interface WidgetSlot {
  readonly input: string;
  readonly kind: "value" | "control" | "filter" | "upload";
}

const WIDGET_TYPES = new Set(["INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"]);
const UPLOAD_OPTIONS = ["image_upload", "video_upload", "animated_image_upload"];
const SEED_NAMES = new Set(["seed", "noise_seed"]);

export function orderedInputs(def: NodeDefWire): Array<[name: string, wire: NonNullable<NodeDefWire["input"]["required"]>[string], required: boolean]> {
  const section = (which: "required" | "optional") => {
    const inputs = def.input[which] ?? {};
    const order = def.input_order?.[which]?.filter((n) => Object.hasOwn(inputs, n)) ?? [];
    const names = [...order, ...Object.keys(inputs).filter((n) => !order.includes(n))];
    return names.map((n): [string, (typeof inputs)[string], boolean] => [n, inputs[n]!, which === "required"]);
  };
  return [...section("required"), ...section("optional")];
}

function isWidgetHead(head: unknown): boolean {
  return Array.isArray(head) || (typeof head === "string" && WIDGET_TYPES.has(head));
}

/** Whether the editor shows a widget for this input (so it has `widgets_values` entries). */
export function isWidgetInput(def: NodeDefWire, name: string): boolean {
  const wire = def.input.required?.[name] ?? def.input.optional?.[name];
  return wire !== undefined && isWidgetHead(wire[0]) && wire[1]?.["forceInput"] !== true;
}

/** A stored control value: a mode name, or the boolean of very old files (true = randomize). */
export function controlValue(value: unknown): SeedControl | undefined {
  if (value === true) return "randomize";
  if (value === false) return "fixed";
  return SEED_CONTROLS.includes(value as SeedControl) ? (value as SeedControl) : undefined;
}

/** The editor's starting control mode for an INT input, or undefined if it has no control widget. */
export function controlModeOf(name: string, wire: readonly unknown[]): SeedControl | undefined {
  const options = (wire[1] ?? {}) as Record<string, unknown>;
  if (wire[0] !== "INT") return undefined;
  const option = options["control_after_generate"];
  const declared = option === false ? undefined : controlValue(option);
  if (declared) return declared;
  return SEED_NAMES.has(name) ? "randomize" : undefined;
}

/**
 * The editor's widgets for a node, in `widgets_values` order: input order (required, then
 * optional); a control value after seed-like INTs; control and filter values after combos with
 * control_after_generate; the upload button after the required inputs of upload nodes.
 * `withForceInput` gives the layout of old files, which also stored forceInput inputs.
 */
export function widgetLayout(def: NodeDefWire, withForceInput = false): WidgetSlot[] {
  const slots: WidgetSlot[] = [];
  let upload: string | undefined;
  let requiredDone = false;
  for (const [name, wire, required] of orderedInputs(def)) {
    if (!required && !requiredDone) {
      requiredDone = true;
      if (upload) slots.push({ input: upload, kind: "upload" });
    }
    const options = wire[1] ?? {};
    if (!isWidgetHead(wire[0]) || (options["forceInput"] === true && !withForceInput)) continue;
    slots.push({ input: name, kind: "value" });
    if (controlModeOf(name, wire)) slots.push({ input: name, kind: "control" });
    const combo = Array.isArray(wire[0]) || wire[0] === "COMBO";
    if (combo && options["control_after_generate"]) {
      slots.push({ input: name, kind: "control" }, { input: name, kind: "filter" });
    }
    if (combo && UPLOAD_OPTIONS.some((k) => options[k] === true)) upload ??= name;
  }
  if (!requiredDone && upload) slots.push({ input: upload, kind: "upload" });
  return slots;
}

/** The value a widget starts with in the editor when a file gives none. */
export function widgetDefault(wire: readonly unknown[]): unknown {
  const [head, options = {}] = wire as [unknown, Record<string, unknown> | undefined];
  if (options["default"] !== undefined) return options["default"];
  if (Array.isArray(head)) return head[0];
  if (head === "COMBO" && Array.isArray(options["options"])) return options["options"][0];
  switch (head) {
    case "INT":
    case "FLOAT":
      return typeof options["min"] === "number" ? Math.max(options["min"], 0) : 0;
    case "BOOLEAN":
      return false;
    default:
      return "";
  }
}
