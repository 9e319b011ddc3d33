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
import { finalizeNodes } from "../run/batch.js";
import { executeSample, type RunState } from "../run/execute-sample.js";
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
  const graph = prepareGraph(parsePrompt(spec.workflow, `the workflow of run ${run}`), defaultRegistry(), `the workflow of run ${run}`);
  const workerId = options.workerId ?? `${hostname()}-${process.pid}`;
  const dir = shardDir(options.out, workerId);
  await openShard(dir, workerId, spec);

  const state: RunState = new Map();
  const counts = { done: 0, filtered: 0, failed: 0 };
  const processor = async (job: Job<SampleJob>): Promise<SampleResult> => {
    const result = await runJob(graph, spec, job, dir, state);
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
  // A long-lived worker keeps its shard's dataset files current whenever the queue runs dry.
  let finalizing: Promise<unknown> = Promise.resolve();
  if (!options.exitWhenIdle) {
    worker.on("drained", () => {
      finalizing = finalizing
        .then(() => finalizeNodes(graph, dir, state))
        .catch((error: Error) => options.onLog?.(`worker ${workerId}: cannot finalize the shard: ${error.message}`));
    });
  }

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

async function runJob(graph: PreparedGraph, spec: RunSpec, job: Job<SampleJob>, dir: string, state: RunState): Promise<SampleResult> {
  const { index, seed } = job.data;
  if (!(Number.isSafeInteger(index) && index >= 0 && index < spec.count) || seed !== spec.seed) {
    // Retrying cannot fix a job that does not belong to the run's spec.
    throw new UnrecoverableError(`job ${job.id} holds ${JSON.stringify(job.data)}, expected a sample index below ${spec.count} and seed ${spec.seed}`);
  }
  const outcome = await executeSample(graph, { sampleIndex: index, runSeed: seed, outputDir: dir, state });
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

