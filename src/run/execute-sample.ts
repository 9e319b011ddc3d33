/**
 * Runs one sample of a prepared graph: each of our nodes once, in order, in this process, and
 * each remote stage as one ComfyUI prompt through the runner, as soon as the local values it
 * needs exist (independent stages run at the same time), all with the seed widgets set for the
 * sample. A node that returns `blocked(...)` stops everything downstream of it, remote stages
 * included; a sample whose output nodes are all blocked is `filtered` with the first reason. A
 * node or stage that throws fails the sample with an error naming it; other samples go on.
 */
import { isBlocked, type NodeContext, type NodeReport } from "../nodes/define.js";
import { createRng } from "../util/rng.js";
import { outputName, type GraphNode, type PreparedGraph } from "./graph.js";
import type { RemoteStage } from "./plan.js";
import { runRemoteStage, type RemoteRunner, type StageResult } from "./remote-stage.js";
import { seedForSample } from "./seed-control.js";
import { dynamicPrompt, filenamePrefix } from "../graph/queue-transforms.js";
import { NodeExecutionError } from "./errors.js";
import { ImgDiffError } from "../errors.js";
import { NODES } from "../nodes/index.js";
import type { LocalPool } from "./local-pool.js";

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

/** What a sample runs with beyond this thread, passed down unchanged by the batch layers. */
export interface SampleServices {
  readonly signal?: AbortSignal;
  /** Runs the graph's ComfyUI stages (a ComfyClient or a ServerPool); required when it has any. */
  readonly runner?: RemoteRunner;
  /** Worker threads for our `offload` nodes (the caller owns and closes it); without one every node runs on this thread. */
  readonly localPool?: LocalPool;
}

export interface SampleOptions extends SampleServices {
  readonly sampleIndex: number;
  readonly runSeed: number;
  readonly outputDir: string;
  readonly state: RunState;
}

/** Our own offload nodes; a node a caller defined is never sent to a worker, which lacks it. */
const OFFLOADABLE: ReadonlySet<unknown> = new Set(NODES.filter((node) => node.offload));
/** Errors of the local pool itself (a thread died, none can start), not of the node it ran. */
const POOL_FAULTS: ReadonlySet<string> = new Set(["LOCAL_WORKER_DIED", "LOCAL_POOL_BROKEN", "LOCAL_WORKER_MISSING"]);

interface Block {
  readonly reason: string;
  readonly nodeId: string;
  readonly classType: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A graph with ComfyUI nodes cannot run without a server. */
export function assertRunnable(graph: PreparedGraph, runner: RemoteRunner | undefined): void {
  if (runner || graph.plan.stages.length === 0) return;
  const types = [...new Set(graph.plan.stages.flatMap((s) => s.nodeIds.map((id) => graph.prompt[id]!.class_type)))].sort();
  throw new ImgDiffError("NO_SERVER", `the workflow has ComfyUI nodes (${types.join(", ")}), which run on a ComfyUI server; give one (imgdiff run --server URL)`);
}

export async function executeSample(graph: PreparedGraph, options: SampleOptions): Promise<SampleOutcome> {
  assertRunnable(graph, options.runner);
  const { sampleIndex: index, runSeed, outputDir, state } = options;
  // Stages still running when the sample fails are stopped.
  const sampleAbort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, sampleAbort.signal]) : sampleAbort.signal;
  const widgets = sampleWidgets(graph, index, runSeed);

  const results = new Map<string, Record<string, unknown>>();
  const blockedBy = new Map<string, Block>();
  const reports: Record<string, NodeReport> = {};
  const resolved = (id: string) => results.has(id) || blockedBy.has(id);

  const pendingLocal = [...graph.nodes];
  const pendingStages = [...graph.plan.stages];
  type Settled = { stage: RemoteStage; result?: StageResult; error?: unknown };
  const running = new Map<number, Promise<Settled>>();

  try {
    while (pendingLocal.length > 0 || pendingStages.length > 0 || running.size > 0) {
      if (signal.aborted) throw options.signal?.reason ?? new ImgDiffError("ABORTED", "run aborted");
      for (const stage of pendingStages.filter((s) => s.inputs.every((i) => resolved(i.nodeId)))) {
        pendingStages.splice(pendingStages.indexOf(stage), 1);
        const block = stage.inputs.map((i) => blockedBy.get(i.nodeId)).find((b) => b !== undefined);
        if (block) {
          for (const id of [...stage.outputs.map((o) => o.nodeId), ...stage.outputNodes]) blockedBy.set(id, block);
          continue;
        }
        const values = new Map(stage.inputs.map((i) => [`${i.nodeId}:${i.slot}`, valueOf(graph, results, i.nodeId, i.slot)]));
        const settled = runRemoteStage(stage, { prompt: graph.prompt, values, widgets, runner: options.runner!, signal }).then(
          (result): Settled => ({ stage, result }),
          (error: unknown): Settled => ({ stage, error }),
        );
        running.set(stage.index, settled);
      }

      const next = pendingLocal.find((node) => Object.values(node.links).every(([from]) => resolved(from)));
      if (next) {
        pendingLocal.splice(pendingLocal.indexOf(next), 1);
        const failure = await runLocalNode(next);
        if (failure) return failure;
        continue;
      }
      if (running.size === 0) break;
      const { stage, result, error } = await Promise.race(running.values());
      running.delete(stage.index);
      if (error !== undefined || !result) {
        if (options.signal?.aborted) throw error;
        return { status: "failed", index, error: stageError(graph, stage, error) };
      }
      for (const out of stage.outputs) {
        const record = results.get(out.nodeId) ?? {};
        record[outputName(graph.objectInfo, graph.prompt[out.nodeId]!.class_type, out.slot)] = result.values.get(`${out.nodeId}:${out.slot}`);
        results.set(out.nodeId, record);
      }
      for (const [id, report] of Object.entries(result.reports)) {
        reports[id] = report;
        if (!results.has(id)) results.set(id, {});
      }
    }
  } finally {
    sampleAbort.abort(new ImgDiffError("ABORTED", "sample finished"));
  }

  const ran = graph.outputs.filter((id) => results.has(id));
  if (ran.length === 0) {
    const first = graph.outputs.map((id) => blockedBy.get(id)).find((b) => b !== undefined)!;
    return { status: "filtered", index, ...first };
  }
  return { status: "done", index, reports };

  async function runLocalNode(node: GraphNode): Promise<SampleOutcome | undefined> {
    const classType = node.definition.type;
    const upstreamBlock = Object.values(node.links).map(([from]) => blockedBy.get(from)).find((b) => b !== undefined);
    if (upstreamBlock) {
      blockedBy.set(node.id, upstreamBlock);
      return undefined;
    }
    const inputs: Record<string, unknown> = { ...node.constants };
    for (const [name, [from, output]] of Object.entries(node.links)) inputs[name] = results.get(from)![output];
    for (const [name, value] of widgets.get(node.id) ?? []) if (name in inputs) inputs[name] = value;
    const context: NodeContext = {
      nodeId: node.id,
      classType,
      sampleIndex: index,
      runSeed,
      outputDir,
      graph: { prompt: graph.prompt, objectInfo: graph.objectInfo },
      signal,
      rng: (label = "") => createRng(runSeed, node.id, index, label),
      runState: <T>(create: () => T): T => {
        if (!state.has(node.id)) state.set(node.id, create());
        return state.get(node.id) as T;
      },
    };
    let result: Awaited<ReturnType<typeof node.definition.run>>;
    try {
      result =
        options.localPool && OFFLOADABLE.has(node.definition)
          ? await options.localPool.run(classType, inputs, { nodeId: node.id, classType, sampleIndex: index, runSeed, outputDir }, signal).catch((error: unknown) => {
              // The thread, not the node, failed: an offload node is pure, so it runs here instead.
              if (error instanceof ImgDiffError && POOL_FAULTS.has(error.code) && !signal.aborted) return node.definition.run(inputs, context);
              throw error;
            })
          : await node.definition.run(inputs, context);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return { status: "failed", index, error: new NodeExecutionError(node.id, classType, error) };
    }
    if (isBlocked(result)) {
      blockedBy.set(node.id, { reason: result.reason, nodeId: node.id, classType, ...(result.detail ? { detail: result.detail } : {}) });
      return undefined;
    }
    const record = result as Record<string, unknown>;
    results.set(node.id, record);
    if (node.definition.outputNode) reports[node.id] = (record["ui"] as NodeReport | undefined) ?? {};
    return undefined;
  }
}

/**
 * The widget values that change from sample to sample, by node and input: seeds (per their
 * control mode), and the strings the editor rewrites at each queue (dynamic prompts, with a
 * random stream of the sample; filename prefixes, with the time the sample starts).
 */
function sampleWidgets(graph: PreparedGraph, index: number, runSeed: number): Map<string, Map<string, unknown>> {
  const widgets = new Map<string, Map<string, unknown>>();
  const set = (nodeId: string, input: string, value: unknown) => {
    if (!widgets.has(nodeId)) widgets.set(nodeId, new Map());
    widgets.get(nodeId)!.set(input, value);
  };
  for (const widget of graph.seedWidgets) set(widget.nodeId, widget.input, seedForSample(widget, index, runSeed));
  const now = new Date();
  for (const w of graph.textWidgets) {
    set(w.nodeId, w.input, w.kind === "dynamic_prompt" ? dynamicPrompt(w.value, createRng(runSeed, w.nodeId, index, `dynamic-prompt:${w.input}`)) : filenamePrefix(w.value, graph.prompt, now, (type) => graph.objectInfo[type]?.display_name ?? undefined));
  }
  return widgets;
}

function valueOf(graph: PreparedGraph, results: ReadonlyMap<string, Record<string, unknown>>, nodeId: string, slot: number): unknown {
  return results.get(nodeId)![outputName(graph.objectInfo, graph.prompt[nodeId]!.class_type, slot)];
}

/** A failed stage is named by the ComfyUI node that failed, when the server says which. */
function stageError(graph: PreparedGraph, stage: RemoteStage, error: unknown): NodeExecutionError {
  const failed = (error as { nodeId?: unknown } | undefined)?.nodeId;
  if (typeof failed === "string" && stage.nodeIds.includes(failed)) return new NodeExecutionError(failed, graph.prompt[failed]!.class_type, error);
  return new NodeExecutionError(stage.nodeIds.join(","), "ComfyUI prompt", error);
}
