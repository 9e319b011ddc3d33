/**
 * Runs a prepared graph for N samples with K samples in flight, records each sample's outcome,
 * and finalizes the output nodes once at the end (assembling dataset files). A failing sample
 * is recorded and the others go on; nothing a finished sample wrote is lost.
 */
import type { PreparedGraph } from "./graph.js";
import { executeSample, type RunState, type SampleOutcome } from "./execute-sample.js";
import type { NodeReport } from "../nodes/define.js";
import { NodeExecutionError } from "./errors.js";

export interface BatchOptions {
  readonly count: number;
  readonly concurrency?: number;
  readonly runSeed?: number;
  readonly outputDir: string;
  readonly signal?: AbortSignal;
  /** Called after each sample, in completion order. */
  readonly onSample?: (outcome: SampleOutcome, finished: number) => void;
}

export interface FailedSample {
  readonly index: number;
  readonly nodeId: string;
  readonly classType: string;
  readonly code: string;
  readonly message: string;
}

export interface BatchSummary {
  readonly count: number;
  readonly accepted: number;
  /** Filtered samples by reason. */
  readonly filtered: Readonly<Record<string, number>>;
  readonly failed: readonly FailedSample[];
  readonly durationMs: number;
  /** What each output node's finalize reported (e.g. dataset file counts), by node id. */
  readonly finalized: Readonly<Record<string, NodeReport>>;
}

export async function runBatch(graph: PreparedGraph, options: BatchOptions): Promise<BatchSummary> {
  const { count, outputDir } = options;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 2, count || 1));
  const runSeed = options.runSeed ?? 0;
  const state: RunState = new Map();
  const started = performance.now();
  const filtered: Record<string, number> = {};
  const failed: FailedSample[] = [];
  let accepted = 0;
  let finished = 0;
  let next = 0;

  const worker = async () => {
    while (next < count) {
      if (options.signal?.aborted) return;
      const index = next++;
      let outcome: SampleOutcome;
      try {
        outcome = await executeSample(graph, { sampleIndex: index, runSeed, outputDir, state, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (error) {
        if (options.signal?.aborted) return;
        outcome = { status: "failed", index, error: new NodeExecutionError("?", "executor", error) };
      }
      if (outcome.status === "done") accepted++;
      else if (outcome.status === "filtered") filtered[outcome.reason] = (filtered[outcome.reason] ?? 0) + 1;
      else {
        const e = outcome.error;
        failed.push({ index, nodeId: e.nodeId, classType: e.classType, code: e.causeCode, message: e.message });
      }
      finished++;
      options.onSample?.(outcome, finished);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));

  const finalized: Record<string, NodeReport> = {};
  for (const node of graph.nodes) {
    if (!node.definition.finalize || !state.has(node.id)) continue;
    const report = await node.definition.finalize({
      nodeId: node.id,
      outputDir,
      runState: <T>(create: () => T) => (state.has(node.id) ? state.get(node.id) : create()) as T,
    });
    if (report) finalized[node.id] = report;
  }
  failed.sort((a, b) => a.index - b.index);
  return { count, accepted, filtered, failed, durationMs: performance.now() - started, finalized };
}
