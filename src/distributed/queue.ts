/**
 * The producer side of a distributed run: submitting it (spec once, one job per sample) and
 * counting its jobs by state.
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { ImgDiffError } from "../errors.js";
import type { ApiPrompt } from "../graph/api-prompt.js";
import { describeIdentityDifferences } from "../run/run-identity.js";
import { jobId, newRunSpec, QUEUE_PREFIX, readRunSpec, specKey, type RunSpec, type SampleJob } from "./run-spec.js";

export interface SubmitOptions {
  readonly run: string;
  readonly workflow: ApiPrompt;
  readonly count: number;
  readonly seed: number;
  /** Tries per sample before it counts as failed. */
  readonly attempts: number;
  /** First retry delay; doubles on each further try. */
  readonly backoffMs: number;
}

export interface SubmitResult {
  readonly spec: RunSpec;
  /** False when the same run was submitted before. */
  readonly created: boolean;
  /** Jobs this submission added (0 for a repeated submission that had completed). */
  readonly added: number;
}

export type QueueCounts = { readonly [K in "waiting" | "active" | "completed" | "failed" | "delayed"]: number };

const ADD_CHUNK = 1000;

/** The run's BullMQ queue; the caller closes it (the Redis client stays open). */
export function runQueue(redis: Redis, run: string): Queue<SampleJob> {
  const queue = new Queue<SampleJob>(run, { connection: redis, prefix: QUEUE_PREFIX });
  // Connection errors while Redis is away: the client reconnects and the commands waiting on it
  // then complete (or reject, reaching their caller). Without a listener BullMQ prints each one.
  queue.on("error", () => undefined);
  return queue;
}

/**
 * Stores the run's spec unless it is there and enqueues every sample not yet enqueued. The same
 * run submitted again adds nothing (and completes an earlier submission cut short); another
 * workflow, count or seed under the same name is refused with the differences.
 */
export async function submitRun(redis: Redis, options: SubmitOptions): Promise<SubmitResult> {
  const { run, count, seed } = options;
  const spec = newRunSpec(run, options.workflow, count, seed);
  // SET NX: of two submissions racing, exactly one stores its spec.
  const created = (await redis.set(specKey(run), JSON.stringify(spec), "NX")) === "OK";
  const stored = created ? spec : await readRunSpec(redis, run);
  if (stored === null) throw new ImgDiffError("RUN_SPEC_VANISHED", `the spec of run ${run} was deleted while submitting; submit again`);
  if (stored.identity !== spec.identity) {
    const differences = describeIdentityDifferences(stored, spec);
    throw new ImgDiffError(
      "RUN_MISMATCH",
      `run ${run} was submitted before (${stored.submittedAt}) with another workflow or parameters:\n  - ${(differences.length ? differences : ["the workflow differs"]).join("\n  - ")}\nSubmit it with its own workflow and parameters, or choose a new --run name.`,
    );
  }
  const queue = runQueue(redis, run);
  try {
    const before = await totalJobs(queue);
    const opts = {
      attempts: options.attempts,
      backoff: { type: "exponential", delay: options.backoffMs },
      // Finished jobs are kept: a job id that exists is never added again, which is what makes
      // a repeated submission add nothing, and `queue status` counts them.
      removeOnComplete: false,
      removeOnFail: false,
    } as const;
    for (let start = 0; start < count; start += ADD_CHUNK) {
      const jobs = [];
      for (let index = start; index < Math.min(count, start + ADD_CHUNK); index++) {
        jobs.push({ name: "sample", data: { index, seed }, opts: { ...opts, jobId: jobId(run, index) } });
      }
      await queue.addBulk(jobs);
    }
    return { spec: stored, created, added: (await totalJobs(queue)) - before };
  } finally {
    await queue.close();
  }
}

async function totalJobs(queue: Queue<SampleJob>): Promise<number> {
  const counts = await queue.getJobCounts("waiting", "active", "completed", "failed", "delayed", "prioritized", "waiting-children");
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** The run's jobs by state; a retry waiting out its backoff is "delayed". */
export async function readQueueCounts(redis: Redis, run: string): Promise<QueueCounts> {
  const queue = runQueue(redis, run);
  try {
    return await countJobs(queue);
  } finally {
    await queue.close();
  }
}

export async function countJobs(queue: Queue<SampleJob>): Promise<QueueCounts> {
  const c = await queue.getJobCounts("waiting", "active", "completed", "failed", "delayed", "prioritized");
  return { waiting: (c["waiting"] ?? 0) + (c["prioritized"] ?? 0), active: c["active"] ?? 0, completed: c["completed"] ?? 0, failed: c["failed"] ?? 0, delayed: c["delayed"] ?? 0 };
}
