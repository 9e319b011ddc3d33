/**
 * Runs a prepared graph for N samples with K samples in flight, records each sample's outcome,
 * and finalizes the output nodes once at the end (assembling dataset files). A failing sample
 * is recorded and the others go on; nothing a finished sample wrote is lost.
 */
import type { PreparedGraph } from "./graph.js";
import { assertRunnable, executeSample, type RunState, type SampleOutcome, type SampleServices } from "./execute-sample.js";
import type { NodeReport } from "../nodes/define.js";
import { NodeExecutionError } from "./errors.js";

export interface BatchOptions extends SampleServices {
  readonly count: number;
  readonly concurrency?: number;
  readonly runSeed?: number;
  readonly outputDir: string;
  /** The sample indexes to run (a resumed run's unfinished ones); default 0..count-1. */
  readonly samples?: readonly number[];
  /** Finalize the output nodes at the end (default true); false when the caller does it. */
  readonly finalize?: boolean;
  /** Stop starting new samples once more than this many have failed (samples in flight finish). */
  readonly maxFailures?: number;
  /** Called when a sample starts. */
  readonly onStart?: (index: number) => void;
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
  /** Samples run (all of them unless the batch stopped early). */
  readonly count: number;
  readonly accepted: number;
  /** Filtered samples by reason. */
  readonly filtered: Readonly<Record<string, number>>;
  readonly failed: readonly FailedSample[];
  readonly durationMs: number;
  /** What each output node's finalize reported (e.g. dataset file counts), by node id. */
  readonly finalized: Readonly<Record<string, NodeReport>>;
  /** Why the batch ended before running every sample: the signal, or too many failures. */
  readonly stopped: "aborted" | "max_failures" | null;
}

export async function runBatch(graph: PreparedGraph, options: BatchOptions): Promise<BatchSummary> {
  const { outputDir } = options;
  assertRunnable(graph, options.runner);
  const queue = options.samples ?? Array.from({ length: options.count }, (_, i) => i);
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 2, queue.length || 1));
  const maxFailures = options.maxFailures ?? Infinity;
  const runSeed = options.runSeed ?? 0;
  const state: RunState = new Map();
  const started = performance.now();
  const filtered: Record<string, number> = {};
  const failed: FailedSample[] = [];
  let accepted = 0;
  let finished = 0;
  let next = 0;

  // A callback that throws (the ledger could not be written, say) stops every worker from
  // starting another sample; the samples in flight finish, then the error is thrown.
  let fatal: { error: unknown } | undefined;
  const worker = async () => {
    while (next < queue.length) {
      if (fatal || options.signal?.aborted || failed.length > maxFailures) return;
      const index = queue[next++]!;
      options.onStart?.(index);
      let outcome: SampleOutcome;
      try {
        outcome = await executeSample(graph, {
          sampleIndex: index,
          runSeed,
          outputDir,
          state,
          signal: options.signal,
          runner: options.runner,
          localPool: options.localPool,
        });
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
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      worker().catch((error: unknown) => {
        fatal ??= { error };
      }),
    ),
  );
  if (fatal) throw fatal.error;

  const finalized = options.finalize === false ? {} : await finalizeNodes(graph, outputDir, state);
  failed.sort((a, b) => a.index - b.index);
  const stopped = options.signal?.aborted ? "aborted" : failed.length > maxFailures ? "max_failures" : null;
  return { count: finished, accepted, filtered, failed, durationMs: performance.now() - started, finalized, stopped };
}

/**
 * Calls every node's finalize once, in graph order, with its widget values and the run state its
 * samples left (none when this process ran no sample). Reports by node id.
 */
export async function finalizeNodes(
  graph: PreparedGraph,
  outputDir: string,
  state: RunState = new Map(),
  accepted?: ReadonlySet<number>,
): Promise<Record<string, NodeReport>> {
  const finalized: Record<string, NodeReport> = {};
  for (const node of graph.nodes) {
    if (!node.definition.finalize) continue;
    const report = await node.definition.finalize({
      nodeId: node.id,
      outputDir,
      inputs: node.constants,
      ...(accepted ? { accepted } : {}),
      runState: <T>(create: () => T): T => {
        if (!state.has(node.id)) state.set(node.id, create());
        return state.get(node.id) as T;
      },
    });
    if (report) finalized[node.id] = report;
  }
  return finalized;
}
