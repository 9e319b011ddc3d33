/**
 * A worker of a distributed run: takes sample jobs from the run's queue and runs each with the
 * same executor as `imgdiff run`, writing into its own shard. BullMQ gives each job a lock the
 * worker keeps renewing; a worker that dies stops renewing, and after the lock expires another
 * worker's stalled-job check puts the job back in the queue (a sample may so run twice: merge
 * keeps one copy). A failed sample throws, so BullMQ retries it with exponential backoff up to
 * the job's attempts.
 */
import { hostname } from "node:os";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { defaultRegistry } from "../nodes/index.js";
import type { NodeReport } from "../nodes/define.js";
import type { ObjectInfo } from "../graph/object-info.js";
import { finalizeNodes } from "../run/batch.js";
import { assertRunnable, executeSample, type RunState, type SampleServices } from "../run/execute-sample.js";
import { parsePrompt, prepareGraph, type PreparedGraph } from "../run/graph.js";
import { countJobs, runQueue } from "./queue.js";
import { loadRunSpec, QUEUE_PREFIX, type RunSpec, type SampleJob } from "./run-spec.js";
import { openShard, shardDir, writeSampleEnd } from "./shard.js";

export interface WorkerOptions {
  readonly redis: Redis;
  /** Shown in messages in place of the URL. */
  readonly redisName: string;
  readonly run: string;
  /** The run's output folder; this worker writes `<out>/shards/<workerId>`. */
  readonly out: string;
  /** Default `<hostname>-<pid>`. */
  readonly workerId?: string;
  /** Samples in flight in this worker; default 1. */
  readonly concurrency?: number;
  /** Return once the run has no waiting, delayed or active job. */
  readonly exitWhenIdle?: boolean;
  /** How long a job's lock lasts without renewal (BullMQ default 30 s): a dead worker's jobs wait this long. */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (BullMQ default 30 s). */
  readonly stalledIntervalMs?: number;
  /** Stops taking jobs, lets the running ones finish, finalizes the shard and returns. */
  readonly signal?: AbortSignal;
  /**
   * The run's workflow prepared by the caller (with a ComfyUI server's node definitions when it
   * has ComfyUI nodes); default: prepared here with our node pack alone.
   */
  readonly graph?: PreparedGraph;
  /** Runs the workflow's ComfyUI stages (a ServerPool); required when it has any. */
  readonly runner?: SampleServices["runner"];
  /** Worker threads for our CPU-heavy nodes; the caller owns and closes it. */
  readonly localPool?: SampleServices["localPool"];
  readonly onSample?: (result: SampleResult) => void;
  /** Connection problems and other events worth a line in the log. */
  readonly onLog?: (line: string) => void;
}

/** A job's return value (done and filtered samples), or a failed try. */
export type SampleResult =
  | { readonly status: "done"; readonly index: number }
  | { readonly status: "filtered"; readonly index: number; readonly reason: string; readonly nodeId: string }
  | { readonly status: "failed"; readonly index: number; readonly message: string; readonly attempt: number };

export interface WorkerSummary {
  readonly workerId: string;
  readonly shardDir: string;
  /** Samples this worker finished, by outcome (failed counts every failed try). */
  readonly done: number;
  readonly filtered: number;
  readonly failed: number;
  /** The shard's output nodes' finalize reports, by node id. */
  readonly finalized: Readonly<Record<string, NodeReport>>;
}

/** How often --exit-when-idle asks Redis whether the run has work left. */
const IDLE_POLL_MS = 300;
/** Times a job may be found stalled (its worker gone) before it counts as failed. */
const MAX_STALLED_COUNT = 5;

export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const { redis, run } = options;
  const spec = await loadRunSpec(redis, run, options.redisName);
  const graph = options.graph ?? prepareGraph(parsePrompt(spec.workflow, `the workflow of run ${run}`), defaultRegistry(), `the workflow of run ${run}`);
  assertRunnable(graph, options.runner);
  const services: Services = { runner: options.runner, localPool: options.localPool };
  const workerId = options.workerId ?? `${hostname()}-${process.pid}`;
  const dir = shardDir(options.out, workerId);
  await openShard(dir, workerId, spec, serverNodes(graph));

  const state: RunState = new Map();
  const counts = { done: 0, filtered: 0, failed: 0 };
  // A long-lived worker keeps its shard's dataset files current whenever it runs dry: the queue
  // has no job for it (BullMQ's "drained", which comes as soon as the last job is fetched) and
  // its own jobs in flight have finished.
  let finalizing: Promise<unknown> = Promise.resolve();
  let inFlight = 0;
  let drained = false;
  const refreshShard = () => {
    if (options.exitWhenIdle || !drained || inFlight > 0) return;
    drained = false;
    finalizing = finalizing
      .then(() => finalizeNodes(graph, dir, state))
      .catch((error: Error) => options.onLog?.(`worker ${workerId}: cannot finalize the shard: ${error.message}`));
  };
  const processor = async (job: Job<SampleJob>): Promise<SampleResult> => {
    inFlight++;
    let result: SampleResult;
    try {
      result = await runJob(graph, spec, job, dir, state, services);
    } finally {
      inFlight--;
      refreshShard();
    }
    if (result.status === "failed") {
      counts.failed++;
      options.onSample?.(result);
      throw new Error(`sample ${result.index}: ${result.message}`);
    }
    counts[result.status]++;
    options.onSample?.(result);
    return result;
  };

  const worker = new Worker<SampleJob, SampleResult>(run, processor, {
    connection: redis,
    prefix: QUEUE_PREFIX,
    concurrency: options.concurrency ?? 1,
    maxStalledCount: MAX_STALLED_COUNT,
    ...(options.lockDurationMs !== undefined ? { lockDuration: options.lockDurationMs } : {}),
    ...(options.stalledIntervalMs !== undefined ? { stalledInterval: options.stalledIntervalMs } : {}),
    // A restarted Redis must not leave the worker waiting long before it fetches again.
    runRetryDelay: 1000,
  });
  worker.on("error", (error) => options.onLog?.(`worker ${workerId}: ${error.message}`));
  worker.on("drained", () => {
    drained = true;
    refreshShard();
  });

  const queue = runQueue(redis, run);
  await new Promise<void>((done) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearInterval(timer);
      options.signal?.removeEventListener("abort", stop);
      done();
    };
    options.signal?.addEventListener("abort", stop);
    if (options.signal?.aborted) return stop();
    if (!options.exitWhenIdle) return;
    let polling = false;
    timer = setInterval(() => {
      if (polling) return;
      polling = true;
      countJobs(queue)
        .then((c) => {
          if (c.waiting + c.active + c.delayed === 0) stop();
        })
        .catch((error: Error) => options.onLog?.(`worker ${workerId}: cannot read the queue: ${error.message}`))
        .finally(() => (polling = false));
    }, IDLE_POLL_MS);
  });

  // close() waits for the jobs in flight; then the shard's dataset files describe all it wrote.
  await worker.close();
  await queue.close();
  await finalizing;
  const finalized = await finalizeNodes(graph, dir, state);
  return { workerId, shardDir: dir, ...counts, finalized };
}

/** The definitions of the graph's ComfyUI node types (those not in our pack), if it has any. */
function serverNodes(graph: PreparedGraph): ObjectInfo | undefined {
  const ours = defaultRegistry();
  const types = [...new Set(Object.values(graph.prompt).map((n) => n.class_type))].filter((t) => !ours.has(t) && graph.objectInfo[t]);
  return types.length > 0 ? Object.fromEntries(types.sort().map((t) => [t, graph.objectInfo[t]!])) : undefined;
}

/** A worker's samples are stopped by closing it, not by a signal. */
type Services = Omit<SampleServices, "signal">;

async function runJob(graph: PreparedGraph, spec: RunSpec, job: Job<SampleJob>, dir: string, state: RunState, services: Services): Promise<SampleResult> {
  const { index, seed } = job.data;
  if (!(Number.isSafeInteger(index) && index >= 0 && index < spec.count) || seed !== spec.seed) {
    // Retrying cannot fix a job that does not belong to the run's spec.
    throw new UnrecoverableError(`job ${job.id} holds ${JSON.stringify(job.data)}, expected a sample index below ${spec.count} and seed ${spec.seed}`);
  }
  const outcome = await executeSample(graph, { sampleIndex: index, runSeed: seed, outputDir: dir, state, ...services });
  if (outcome.status === "done") return { status: "done", index };
  if (outcome.status === "filtered") {
    const result = { status: "filtered", index, reason: outcome.reason, nodeId: outcome.nodeId } as const;
    await writeSampleEnd(dir, result);
    return result;
  }
  const result = { status: "failed", index, message: outcome.error.message, attempt: job.attemptsMade + 1 } as const;
  await writeSampleEnd(dir, result);
  return result;
}

