/**
 * Merges the shards of a distributed run (`<dir>/shards/*`) into one dataset in `<dir>`, the
 * same files a single-machine run makes: every sample's record and images copied, then the
 * output nodes finalized over `<dir>`, so the index files list samples in index order.
 *
 * Nothing is written unless the run is complete: every sample index below the run's count has
 * a record or was filtered, and a sample found in two shards (a job run again after its worker
 * was lost) has the same record and images in both, one copy kept (from the first shard by
 * name). Otherwise the result says which indices are missing or in conflict.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ensureOutputDir, writeFileAtomic } from "../dataset/atomic.js";
import { resolveInside } from "../dataset/safe-path.js";
import { ImgDiffError } from "../errors.js";
import { defaultRegistry } from "../nodes/index.js";
import { DatasetWriter } from "../nodes/dataset-writer.js";
import type { NodeReport } from "../nodes/define.js";
import { finalizeNodes } from "../run/batch.js";
import { parsePrompt, prepareGraph, type PreparedGraph } from "../run/graph.js";
import { isAbandonedShard, readSampleEnds, readShardRun, SHARDS_DIR, type ShardRun } from "./shard.js";

export interface MergeResult {
  readonly run: string;
  readonly count: number;
  /** Shard folder names merged. */
  readonly shards: readonly string[];
  /** Samples with a record, and filtered samples. */
  readonly accepted: number;
  readonly filtered: number;
  /** Samples found in more than one shard, identical, kept once. */
  readonly duplicates: number;
  /** Indices with neither a record nor a filtered outcome, ascending; with the last failure when known. */
  readonly missing: readonly { readonly index: number; readonly failure?: string }[];
  /** Indices whose copies in two shards differ. */
  readonly conflicts: readonly { readonly index: number; readonly shards: readonly string[]; readonly file: string }[];
  /** True when the dataset was written (nothing missing, no conflict). */
  readonly complete: boolean;
  /** The output nodes' finalize reports over the merged dataset, by node id. */
  readonly finalized: Readonly<Record<string, NodeReport>>;
}

const RECORD_NAME = /^(\d+)\.json$/;

/** The parts of a dataset record merge needs; the writer checks the rest when it finalizes. */
const RecordSchema = z.looseObject({
  index: z.number().int().min(0),
  outputs: z.array(z.looseObject({ files: z.array(z.string()) })),
});

interface Copy {
  readonly shard: string;
  /** Dataset root inside the shard / the merged folder ("" or the writer's subfolder). */
  readonly root: string;
  readonly name: string;
  readonly text: string;
  readonly files: readonly string[];
}

export async function mergeShards(dir: string): Promise<MergeResult> {
  const shardsRoot = resolveInside(dir, SHARDS_DIR);
  const folders = (await readdir(shardsRoot, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort();
  const names = [];
  for (const name of folders) if (!(await isAbandonedShard(resolveInside(shardsRoot, name)))) names.push(name);
  if (names.length === 0) throw new ImgDiffError("MERGE_NO_SHARDS", `${shardsRoot} holds no shard; workers write theirs there (imgdiff worker --out ${dir})`);
  const runs = new Map<string, ShardRun>();
  for (const name of names) runs.set(name, await readShardRun(resolveInside(shardsRoot, name)));
  const first = runs.get(names[0]!)!;
  for (const [name, run] of runs) {
    if (run.run !== first.run || run.identity !== first.identity) {
      throw new ImgDiffError("MERGE_MIXED_RUNS", `shards ${names[0]} (run ${first.run}) and ${name} (run ${run.run}) belong to different runs; merge one run per folder`);
    }
  }
  const label = `the workflow of run ${first.run}`;
  // The ComfyUI node definitions the workers recorded stand in for a server here.
  const graph = prepareGraph(parsePrompt(first.workflow, label), defaultRegistry(), label, first.serverNodes);
  const roots = datasetRoots(graph);

  const copies = new Map<number, Copy[]>();
  const filtered = new Set<number>();
  const failures = new Map<number, string>();
  for (const shard of names) {
    const shardPath = resolveInside(shardsRoot, shard);
    for (const root of roots) {
      for (const copy of await readRecords(shardPath, shard, root)) {
        const index = Number(RECORD_NAME.exec(copy.name)![1]);
        copies.set(index, [...(copies.get(index) ?? []), copy]);
      }
    }
    for (const end of await readSampleEnds(shardPath)) {
      if (end.status === "filtered") filtered.add(end.index);
      else failures.set(end.index, end.message);
    }
  }

  const conflicts: { index: number; shards: string[]; file: string }[] = [];
  let duplicates = 0;
  const chosen: Copy[] = [];
  for (const [index, list] of [...copies].sort(([a], [b]) => a - b)) {
    const byRoot = new Map<string, Copy[]>();
    for (const copy of list) byRoot.set(copy.root, [...(byRoot.get(copy.root) ?? []), copy]);
    for (const group of byRoot.values()) {
      const keep = group[0]!;
      for (const other of group.slice(1)) {
        const differing = await firstDifference(shardsRoot, keep, other);
        if (differing !== null) conflicts.push({ index, shards: [keep.shard, other.shard], file: differing });
      }
      chosen.push(keep);
    }
    if (new Set(list.map((c) => c.shard)).size > 1) duplicates++;
  }

  const missing = [];
  for (let index = 0; index < first.count; index++) {
    if (copies.has(index) || filtered.has(index)) continue;
    const failure = failures.get(index);
    missing.push(failure === undefined ? { index } : { index, failure });
  }
  const accepted = [...copies.keys()].filter((i) => i < first.count).length;
  const base = { run: first.run, count: first.count, shards: names, accepted, filtered: [...filtered].filter((i) => !copies.has(i)).length, duplicates, missing, conflicts };
  if (missing.length > 0 || conflicts.length > 0) return { ...base, complete: false, finalized: {} };

  for (const root of roots) {
    const target = root === "" ? dir : resolveInside(dir, root);
    await ensureOutputDir(resolveInside(target, "images"));
    await ensureOutputDir(resolveInside(target, "records"));
  }
  for (const copy of chosen) {
    const from = shardFolder(shardsRoot, copy);
    const to = copy.root === "" ? dir : resolveInside(dir, copy.root);
    // Images first and the record last, as the writer does: a record is only there with its images.
    for (const file of copy.files) await writeFileAtomic(resolveInside(to, file), await readFile(resolveInside(from, file)));
    await writeFileAtomic(resolveInside(to, `records/${copy.name}`), copy.text);
  }
  const finalized = await finalizeNodes(graph, dir);
  return { ...base, complete: true, finalized };
}

/** Where the workflow's dataset writers write, relative to the output folder. */
function datasetRoots(graph: PreparedGraph): string[] {
  const roots = graph.nodes
    .filter((n) => n.definition.type === DatasetWriter.type)
    .map((n) => (typeof n.constants["subfolder"] === "string" ? n.constants["subfolder"] : ""));
  return [...new Set(roots)].sort();
}

function shardFolder(shardsRoot: string, copy: Copy): string {
  const shard = resolveInside(shardsRoot, copy.shard);
  return copy.root === "" ? shard : resolveInside(shard, copy.root);
}

async function readRecords(shardPath: string, shard: string, root: string): Promise<Copy[]> {
  const base = root === "" ? shardPath : resolveInside(shardPath, root);
  const folder = resolveInside(base, "records");
  const names = (await readdir(folder).catch(() => [] as string[])).filter((n) => RECORD_NAME.test(n)).sort();
  const copies: Copy[] = [];
  for (const name of names) {
    const file = join(folder, name);
    const text = await readFile(file, "utf8");
    let parsed: z.infer<typeof RecordSchema>;
    try {
      parsed = RecordSchema.parse(JSON.parse(text));
    } catch (error) {
      throw new ImgDiffError("MERGE_BAD_RECORD", `${file} is not a dataset record: ${(error as Error).message.slice(0, 200)}`);
    }
    if (Number(RECORD_NAME.exec(name)![1]) !== parsed.index) throw new ImgDiffError("MERGE_BAD_RECORD", `${file} holds sample index ${parsed.index}, not the one in its name`);
    const files = parsed.outputs.flatMap((o) => o.files);
    for (const f of files) resolveInside(base, f); // a record naming a path outside the shard is refused here
    copies.push({ shard, root, name, text, files });
  }
  return copies;
}

/** The first file (record or image) that differs between two copies of a sample, or null. */
async function firstDifference(shardsRoot: string, a: Copy, b: Copy): Promise<string | null> {
  if (a.text !== b.text) return `records/${a.name}`;
  for (const file of a.files) {
    const [x, y] = await Promise.all([readFile(resolveInside(shardFolder(shardsRoot, a), file)), readFile(resolveInside(shardFolder(shardsRoot, b), file))]);
    if (!x.equals(y)) return file;
  }
  return null;
}
