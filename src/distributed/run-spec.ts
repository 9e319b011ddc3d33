/**
 * A distributed run in Redis: its spec (workflow and the parameters that decide every sample)
 * stored once under `imgdiff-run:<run>` by `queue submit`, and a BullMQ queue named after the
 * run under the `imgdiff` prefix holding one job per sample, id `<run>-<index>`, so adding a
 * sample twice adds it once. Workers need only the Redis URL and the run name.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import { ImgDiffError } from "../errors.js";
import { ApiPromptSchema, type ApiPrompt } from "../graph/api-prompt.js";
import { identityHash } from "../run/run-identity.js";

/** BullMQ key prefix: the queue's keys are `imgdiff:<run>:...`. */
export const QUEUE_PREFIX = "imgdiff";

const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const RunSpecSchema = z.object({
  format: z.literal("imgdiff-run/1"),
  run: z.string().regex(RUN_NAME),
  workflow: ApiPromptSchema,
  count: z.number().int().min(0),
  seed: z.number().int().min(0),
  /** identityHash of workflow, count and seed. */
  identity: z.string(),
  submittedAt: z.string(),
});
export type RunSpec = z.infer<typeof RunSpecSchema>;

/** The job of one sample. */
export interface SampleJob {
  readonly index: number;
  /** The run seed (the same in every job of a run). */
  readonly seed: number;
}

/** The run name, or a UsageError-worthy ImgDiffError: it names Redis keys and shard files. */
export function checkRunName(run: string): string {
  if (!RUN_NAME.test(run)) {
    throw new ImgDiffError(
      "RUN_BAD_NAME",
      `run name ${JSON.stringify(run.slice(0, 120))} is not allowed; use 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return run;
}

export function specKey(run: string): string {
  return `imgdiff-run:${run}`;
}

export function jobId(run: string, index: number): string {
  return `${run}-${index}`;
}

export function newRunSpec(run: string, workflow: ApiPrompt, count: number, seed: number): RunSpec {
  return { format: "imgdiff-run/1", run, workflow, count, seed, identity: identityHash({ workflow, count, seed }), submittedAt: new Date().toISOString() };
}

export async function readRunSpec(redis: Redis, run: string): Promise<RunSpec | null> {
  const text = await redis.get(specKey(run));
  if (text === null) return null;
  const parsed = RunSpecSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new ImgDiffError("RUN_SPEC_INVALID", `the spec of run ${run} in Redis (${specKey(run)}) is not one imgdiff wrote: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** The run's spec, or RUN_NOT_FOUND naming the run and what to do. */
export async function loadRunSpec(redis: Redis, run: string, where: string): Promise<RunSpec> {
  const spec = await readRunSpec(redis, run);
  if (spec === null) throw new ImgDiffError("RUN_NOT_FOUND", `no run named ${run} in Redis at ${where}; submit it first with imgdiff queue submit <workflow> --run ${run} ...`);
  return spec;
}
