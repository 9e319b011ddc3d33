/**
 * A worker's shard: `<out>/shards/<worker>/`, a dataset folder of its own (what the run's
 * output nodes wrote for the samples it ran) plus:
 *
 *   run.json                which run it belongs to (name, count, seed, identity, workflow)
 *   outcomes/<index>.json   samples that ended without a record: filtered, or failed on a try
 *
 * so `imgdiff merge` can tell a filtered sample from a missing one. Files are written atomically.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { z } from "zod";
import { ensureOutputDir, writeFileAtomic } from "../dataset/atomic.js";
import { resolveInside, safeName } from "../dataset/safe-path.js";
import { ImgDiffError } from "../errors.js";
import { ApiPromptSchema } from "../graph/api-prompt.js";
import { ObjectInfoSchema, type ObjectInfo } from "../graph/object-info.js";
import type { RunSpec } from "./run-spec.js";

export const SHARDS_DIR = "shards";
export const SHARD_RUN_FILE = "run.json";
const OUTCOMES_DIR = "outcomes";
const OUTCOME_NAME = /^(\d+)\.json$/;

const ShardRunSchema = z.object({
  format: z.literal("imgdiff-shard/1"),
  run: z.string(),
  worker: z.string(),
  count: z.number().int().min(0),
  seed: z.number().int().min(0),
  identity: z.string(),
  workflow: ApiPromptSchema,
  /**
   * The ComfyUI node definitions the workflow's server nodes were validated against, so merge
   * can prepare the workflow (and find its dataset writers) without a server.
   */
  serverNodes: ObjectInfoSchema.optional(),
});
export type ShardRun = z.infer<typeof ShardRunSchema>;

const OutcomeSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("filtered"), index: z.number().int().min(0), reason: z.string(), nodeId: z.string() }),
  z.object({ status: z.literal("failed"), index: z.number().int().min(0), message: z.string(), attempt: z.number().int().min(1) }),
]);
export type SampleEnd = z.infer<typeof OutcomeSchema>;

/** The shard folder of `worker` inside `out` (the worker id made a safe file name). */
export function shardDir(out: string, worker: string): string {
  return resolveInside(out, `${SHARDS_DIR}/${safeName(worker)}`);
}

/**
 * Creates the shard (or reopens it: a restarted worker with the same id goes on in it) and
 * records its run. A shard of another run under this worker id is refused.
 */
export async function openShard(dir: string, worker: string, spec: RunSpec, serverNodes?: ObjectInfo): Promise<void> {
  await ensureOutputDir(dir);
  await ensureOutputDir(resolveInside(dir, OUTCOMES_DIR));
  const existing = await readShardRun(dir).catch(() => null);
  if (existing && (existing.run !== spec.run || existing.identity !== spec.identity)) {
    throw new ImgDiffError(
      "SHARD_MISMATCH",
      `${dir} holds the shard of another run (${existing.run}, identity ${existing.identity.slice(0, 12)}); use another --out folder or --worker-id`,
    );
  }
  const run: ShardRun = { format: "imgdiff-shard/1", run: spec.run, worker, count: spec.count, seed: spec.seed, identity: spec.identity, workflow: spec.workflow, ...(serverNodes ? { serverNodes } : {}) };
  await writeFileAtomic(resolveInside(dir, SHARD_RUN_FILE), `${JSON.stringify(run, null, 1)}\n`);
}

/** A worker killed while creating its shard leaves a folder with no run file and nothing in it. */
export async function isAbandonedShard(dir: string): Promise<boolean> {
  if (existsSync(resolveInside(dir, SHARD_RUN_FILE))) return false;
  const entries = await readdir(dir);
  return entries.every((e) => e === OUTCOMES_DIR) && (await readdir(resolveInside(dir, OUTCOMES_DIR)).catch(() => [])).length === 0;
}

export async function readShardRun(dir: string): Promise<ShardRun> {
  const file = resolveInside(dir, SHARD_RUN_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ImgDiffError("SHARD_NO_RUN_FILE", `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); every worker writes it when it starts`);
  }
  const parsed = ShardRunSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new ImgDiffError("SHARD_RUN_INVALID", `${file} is not a shard run file: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export async function writeSampleEnd(dir: string, end: SampleEnd): Promise<void> {
  await writeFileAtomic(resolveInside(dir, `${OUTCOMES_DIR}/${end.index}.json`), `${JSON.stringify(end)}\n`);
}

/** The shard's filtered and failed samples (none when it has no outcomes folder). */
export async function readSampleEnds(dir: string): Promise<SampleEnd[]> {
  const folder = resolveInside(dir, OUTCOMES_DIR);
  const names = await readdir(folder).catch(() => [] as string[]);
  const ends: SampleEnd[] = [];
  for (const name of names.filter((n) => OUTCOME_NAME.test(n))) {
    const file = resolveInside(folder, name);
    const parsed = OutcomeSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
    if (!parsed.success || String(parsed.data.index) !== OUTCOME_NAME.exec(name)![1]) {
      throw new ImgDiffError("SHARD_OUTCOME_INVALID", `${file} is not a sample outcome file of imgdiff`);
    }
    ends.push(parsed.data);
  }
  return ends;
}
