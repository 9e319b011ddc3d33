/**
 * Stage planning: a graph's nodes split at the border between our nodes (run here) and
 * ComfyUI's (run on a server). ComfyUI nodes are grouped into remote stages, each one ComfyUI
 * prompt: a stage holds the ComfyUI nodes whose local inputs are available at the same point of
 * the sample (its phase) and that are connected, together with the ComfyUI nodes they depend on
 * through ComfyUI links only (a loader shared by two stages is in both: the server caches it).
 * So no value ever passes from one remote stage to another, and only values that can cross the
 * border do: IMAGE and MASK (uploaded one way, tapped and downloaded the other) and primitives
 * (literals, toward the server only). Anything else crossing is a plan-time error naming the link.
 * Pure: no I/O.
 */
import { isLink, type ApiPrompt } from "../graph/api-prompt.js";
import { outputType, type ObjectInfo } from "../graph/object-info.js";
import { GraphError } from "./errors.js";

export type LiteralType = "STRING" | "INT" | "FLOAT" | "BOOLEAN";
export type PixelType = "IMAGE" | "MASK";

const LITERAL_TYPES: ReadonlySet<string> = new Set<LiteralType>(["STRING", "INT", "FLOAT", "BOOLEAN"]);
const PIXEL_TYPES: ReadonlySet<string> = new Set<PixelType>(["IMAGE", "MASK"]);

/** Where a value comes from: output `slot` of node `nodeId`. */
export interface ValueRef {
  readonly nodeId: string;
  readonly slot: number;
}

/** A local value a remote stage needs, and the stage's inputs it feeds. */
export interface StageInput extends ValueRef {
  readonly type: PixelType | LiteralType;
  readonly consumers: ReadonlyArray<{ readonly nodeId: string; readonly input: string }>;
}

/** A remote value local nodes need: the stage taps and downloads it. */
export interface StageOutput extends ValueRef {
  readonly type: PixelType;
}

export interface RemoteStage {
  /** Index in GraphPlan.stages. */
  readonly index: number;
  /** How many remote-local-remote hand-overs precede it in the sample (0: none). */
  readonly phase: number;
  /** The ComfyUI nodes of the stage's prompt, in graph order. */
  readonly nodeIds: readonly string[];
  readonly inputs: readonly StageInput[];
  readonly outputs: readonly StageOutput[];
  /** The graph's output nodes (e.g. SaveImage) that this stage runs. */
  readonly outputNodes: readonly string[];
}

export interface GraphPlan {
  /** Our nodes, in execution order. */
  readonly localNodes: readonly string[];
  readonly stages: readonly RemoteStage[];
  /** Which stage delivers each remote value local nodes use, keyed by valueKey(). */
  readonly producers: ReadonlyMap<string, number>;
}

export interface PlanInput {
  readonly prompt: ApiPrompt;
  /** Definitions of every node type the prompt uses (ours and the server's). */
  readonly objectInfo: ObjectInfo;
  /** Whether a node type is ours (runs here). */
  readonly isLocal: (classType: string) => boolean;
  /** The nodes to run, dependencies first. */
  readonly order: readonly string[];
  /** The graph's output nodes. */
  readonly outputs: readonly string[];
}

export const valueKey = (ref: ValueRef): string => `${ref.nodeId}:${ref.slot}`;

interface Edge {
  readonly from: string;
  readonly slot: number;
  readonly to: string;
  readonly input: string;
}

export function planStages(input: PlanInput): GraphPlan {
  const { prompt, objectInfo, isLocal, order, outputs } = input;
  const needed = new Set(order);
  const local = (id: string) => isLocal(prompt[id]!.class_type);
  const edgesInto = new Map<string, Edge[]>(order.map((id) => [id, []]));
  const edgesFrom = new Map<string, Edge[]>(order.map((id) => [id, []]));
  for (const to of order) {
    for (const [name, value] of Object.entries(prompt[to]!.inputs)) {
      if (!isLink(value) || !needed.has(value[0])) continue;
      const edge = { from: value[0], slot: value[1], to, input: name };
      edgesInto.get(to)!.push(edge);
      edgesFrom.get(edge.from)!.push(edge);
    }
  }

  checkBorder(prompt, objectInfo, order, edgesInto, local);

  // Earliest phase: a remote node runs in the phase after the last remote stage any of its local
  // inputs waited for; a local node is ready after the phases of its remote inputs.
  const phase = new Map<string, number>();
  for (const id of order) {
    let p = 0;
    for (const e of edgesInto.get(id)!) {
      const handOver = local(id) && !local(e.from) ? 1 : 0;
      p = Math.max(p, phase.get(e.from)! + handOver);
    }
    phase.set(id, p);
  }

  // Roots: remote nodes whose results leave the server (to a local node) or that are outputs.
  const outputSet = new Set(outputs);
  const roots = order.filter((id) => !local(id) && (outputSet.has(id) || edgesFrom.get(id)!.some((e) => local(e.to))));
  const rootsByPhase = new Map<number, string[]>();
  for (const id of roots) rootsByPhase.set(phase.get(id)!, [...(rootsByPhase.get(phase.get(id)!) ?? []), id]);

  const position = new Map(order.map((id, i) => [id, i]));
  const stages: RemoteStage[] = [];
  const producers = new Map<string, number>();
  for (const p of [...rootsByPhase.keys()].sort((a, b) => a - b)) {
    // Each root with its remote-only ancestry; overlapping sets are one connected stage.
    const groups: Array<Set<string>> = [];
    for (const root of rootsByPhase.get(p)!) {
      const closure = remoteClosure(root, edgesInto, local);
      const overlapping = groups.filter((g) => [...closure].some((id) => g.has(id)));
      const merged = new Set([...closure, ...overlapping.flatMap((g) => [...g])]);
      for (const g of overlapping) groups.splice(groups.indexOf(g), 1);
      groups.push(merged);
    }
    groups.sort((a, b) => Math.min(...[...a].map((id) => position.get(id)!)) - Math.min(...[...b].map((id) => position.get(id)!)));
    for (const group of groups) {
      const nodeIds = [...group].sort((a, b) => position.get(a)! - position.get(b)!);
      const index = stages.length;
      // Nodes of earlier phases in the group are there to be run again, not to be tapped again.
      const roots = new Set(nodeIds.filter((id) => phase.get(id) === p));
      const stage = describeStage(index, p, nodeIds, roots, prompt, objectInfo, edgesInto, edgesFrom, local, outputSet);
      for (const out of stage.outputs) producers.set(valueKey(out), index);
      stages.push(stage);
    }
  }
  return { localNodes: order.filter(local), stages, producers };
}

function remoteClosure(root: string, edgesInto: ReadonlyMap<string, Edge[]>, local: (id: string) => boolean): Set<string> {
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of edgesInto.get(id)!) if (!local(e.from)) stack.push(e.from);
  }
  return seen;
}

function describeStage(
  index: number,
  phase: number,
  nodeIds: string[],
  current: ReadonlySet<string>,
  prompt: ApiPrompt,
  objectInfo: ObjectInfo,
  edgesInto: ReadonlyMap<string, Edge[]>,
  edgesFrom: ReadonlyMap<string, Edge[]>,
  local: (id: string) => boolean,
  outputSet: ReadonlySet<string>,
): RemoteStage {
  const inputs = new Map<string, { nodeId: string; slot: number; type: PixelType | LiteralType; consumers: Array<{ nodeId: string; input: string }> }>();
  const outputs = new Map<string, StageOutput>();
  for (const id of nodeIds) {
    for (const e of edgesInto.get(id)!) {
      if (!local(e.from)) continue;
      const key = valueKey({ nodeId: e.from, slot: e.slot });
      const type = outputType(objectInfo[prompt[e.from]!.class_type]!, e.slot) as PixelType | LiteralType;
      const entry = inputs.get(key) ?? { nodeId: e.from, slot: e.slot, type, consumers: [] };
      entry.consumers.push({ nodeId: id, input: e.input });
      inputs.set(key, entry);
    }
    for (const e of edgesFrom.get(id)!) {
      if (!local(e.to) || !current.has(id)) continue;
      const key = valueKey({ nodeId: id, slot: e.slot });
      outputs.set(key, { nodeId: id, slot: e.slot, type: outputType(objectInfo[prompt[id]!.class_type]!, e.slot) as PixelType });
    }
  }
  return {
    index,
    phase,
    nodeIds,
    inputs: [...inputs.values()],
    outputs: [...outputs.values()],
    outputNodes: nodeIds.filter((id) => outputSet.has(id) && current.has(id)),
  };
}

/** Every link across the border must carry a type that can cross in its direction. */
function checkBorder(
  prompt: ApiPrompt,
  objectInfo: ObjectInfo,
  order: readonly string[],
  edgesInto: ReadonlyMap<string, Edge[]>,
  local: (id: string) => boolean,
): void {
  const problems: string[] = [];
  const label = (id: string) => `node #${id} (${prompt[id]!.class_type})`;
  for (const to of order) {
    for (const e of edgesInto.get(to)!) {
      if (local(e.from) === local(to)) continue;
      const type = outputType(objectInfo[prompt[e.from]!.class_type]!, e.slot) ?? "?";
      const link = `${label(e.from)} output ${type} -> ${label(to)} input ${e.input}`;
      if (local(e.from)) {
        if (!PIXEL_TYPES.has(type) && !LITERAL_TYPES.has(type)) {
          problems.push(`${link}: a ${type} value cannot be sent to ComfyUI; only IMAGE and MASK (uploaded) and STRING, INT, FLOAT, BOOLEAN (as values) cross to the server`);
        }
      } else if (!PIXEL_TYPES.has(type)) {
        problems.push(`${link}: a ${type} value cannot be brought back from ComfyUI; only IMAGE and MASK outputs can be downloaded, so keep the nodes that use ${type} on the ComfyUI side`);
      }
    }
  }
  if (problems.length > 0) throw new GraphError("WORKFLOW_BORDER", "the workflow passes values between imgdiff and ComfyUI nodes that cannot cross", problems);
}
