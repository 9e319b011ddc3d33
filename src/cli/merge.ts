import { resolve } from "node:path";
import { parse } from "./args.js";
import { UsageError } from "./usage-error.js";
import { mergeShards, type MergeResult } from "../distributed/merge.js";

export const MERGE_USAGE = "imgdiff merge <DIR> [--json]  (DIR/shards/* of a distributed run -> one dataset in DIR; exit 1 when samples are missing)";

/** Indices listed in a message before "... and N more". */
const LISTED = 50;

export async function mergeCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError(`expected one run folder, received ${positionals.length}`);
  const dir = resolve(positionals[0]!);
  const result = await mergeShards(dir);
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else if (result.complete) process.stdout.write(describe(result, dir));
  if (!result.complete) process.stderr.write(describeProblems(result, dir));
  return result.complete ? 0 : 1;
}

function describe(r: MergeResult, dir: string): string {
  return [
    `merged run ${r.run} from ${r.shards.length} shards into ${dir}: ${r.count} samples, ${r.accepted} accepted, ${r.filtered} filtered${r.duplicates ? `, ${r.duplicates} run twice (kept once)` : ""}`,
    ...Object.entries(r.finalized).map(([id, rep]) => `node #${id}: ${JSON.stringify(rep)}`),
    "",
  ].join("\n");
}

function describeProblems(r: MergeResult, dir: string): string {
  const lines = [`imgdiff merge: run ${r.run} in ${dir} is not complete; nothing was written`];
  if (r.missing.length > 0) {
    const shown = r.missing.slice(0, LISTED).map((m) => (m.failure ? `${m.index} (failed: ${m.failure})` : String(m.index)));
    const more = r.missing.length > LISTED ? `, ... and ${r.missing.length - LISTED} more` : "";
    lines.push(`${r.missing.length} of ${r.count} samples missing: ${shown.join(", ")}${more}`);
    lines.push("run a worker until the queue is empty (imgdiff queue status), then merge again");
  }
  for (const c of r.conflicts.slice(0, LISTED)) lines.push(`sample ${c.index} differs between shards ${c.shards.join(" and ")} (${c.file}); remove one copy from its shard`);
  return `${lines.join("\n")}\n`;
}
