/**
 * Runs one sample of a prepared graph in this process: each node once, in order, with its seed
 * widgets set for the sample. A node that returns `blocked(...)` stops everything downstream of
 * it; a sample whose output nodes are all blocked is `filtered` with the first reason. A node
 * that throws fails the sample with an error naming the node; other samples are unaffected.
 */
import { isBlocked, type NodeContext, type NodeReport } from "../nodes/define.js";
import { createRng } from "../util/rng.js";
import type { PreparedGraph } from "./graph.js";
import { seedForSample } from "./seed-control.js";
import { NodeExecutionError } from "./errors.js";
import { ImgDiffError } from "../errors.js";

export type SampleOutcome =
  | { readonly status: "done"; readonly index: number; readonly reports: Readonly<Record<string, NodeReport>> }
  | {
      readonly status: "filtered";
      readonly index: number;
      readonly reason: string;
      readonly nodeId: string;
      readonly classType: string;
      readonly detail?: Readonly<Record<string, unknown>>;
    }
  | { readonly status: "failed"; readonly index: number; readonly error: NodeExecutionError };

/** Per-run state of every node (e.g. the dataset writer's open writer), keyed by node id. */
export type RunState = Map<string, unknown>;

export interface SampleOptions {
  readonly sampleIndex: number;
  readonly runSeed: number;
  readonly outputDir: string;
  readonly state: RunState;
  readonly signal?: AbortSignal;
}

export async function executeSample(graph: PreparedGraph, options: SampleOptions): Promise<SampleOutcome> {
  const { sampleIndex: index, runSeed, outputDir, state } = options;
  const signal = options.signal ?? new AbortController().signal;
  const seeds = new Map<string, number>();
  for (const widget of graph.seedWidgets) seeds.set(`${widget.nodeId}\u0000${widget.input}`, seedForSample(widget, index, runSeed));

  const results = new Map<string, Record<string, unknown>>();
  const blockedBy = new Map<string, { reason: string; nodeId: string; classType: string; detail?: Readonly<Record<string, unknown>> }>();
  const reports: Record<string, NodeReport> = {};

  for (const node of graph.nodes) {
    if (signal.aborted) throw signal.reason ?? new ImgDiffError("ABORTED", "run aborted");
    const classType = node.definition.type;
    const upstreamBlock = Object.values(node.links).map(([from]) => blockedBy.get(from)).find((b) => b !== undefined);
    if (upstreamBlock) {
      blockedBy.set(node.id, upstreamBlock);
      continue;
    }
    const inputs: Record<string, unknown> = { ...node.constants };
    for (const [name, [from, output]] of Object.entries(node.links)) inputs[name] = results.get(from)![output];
    for (const name of Object.keys(inputs)) {
      const seed = seeds.get(`${node.id}\u0000${name}`);
      if (seed !== undefined) inputs[name] = seed;
    }
    const context: NodeContext = {
      nodeId: node.id,
      classType,
      sampleIndex: index,
      runSeed,
      outputDir,
      signal,
      rng: (label = "") => createRng(runSeed, node.id, index, label),
      runState: <T>(create: () => T): T => {
        if (!state.has(node.id)) state.set(node.id, create());
        return state.get(node.id) as T;
      },
    };
    let result: Awaited<ReturnType<typeof node.definition.run>>;
    try {
      result = await node.definition.run(inputs, context);
    } catch (error) {
      if (signal.aborted) throw error;
      return { status: "failed", index, error: new NodeExecutionError(node.id, classType, error) };
    }
    if (isBlocked(result)) {
      blockedBy.set(node.id, { reason: result.reason, nodeId: node.id, classType, ...(result.detail ? { detail: result.detail } : {}) });
      continue;
    }
    const record = result as Record<string, unknown>;
    results.set(node.id, record);
    if (node.definition.outputNode) reports[node.id] = (record["ui"] as NodeReport | undefined) ?? {};
  }

  const ran = graph.outputs.filter((id) => results.has(id));
  if (ran.length === 0) {
    const first = blockedBy.get(graph.outputs[0]!)!;
    return { status: "filtered", index, ...first };
  }
  return { status: "done", index, reports };
}
