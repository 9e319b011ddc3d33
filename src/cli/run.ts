import { resolve } from "node:path";
import { parse, integerFlag } from "./args.js";
import { UsageError } from "./usage-error.js";
import { readJsonFile } from "./read-json.js";
import { createProgress } from "./progress.js";
import { parsePrompt, prepareGraph } from "../run/graph.js";
import { runBatch, type BatchSummary } from "../run/batch.js";
import { defaultRegistry } from "../nodes/index.js";
import { ensureOutputDir, writeFileAtomic } from "../dataset/atomic.js";

export const RUN_USAGE = "imgdiff run <workflow.json> --count N --out DIR [--seed S] [--concurrency K]";

export async function runCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    count: { type: "string" },
    out: { type: "string" },
    seed: { type: "string" },
    concurrency: { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError(`expected one workflow file, received ${positionals.length}`);
  if (!values.out) throw new UsageError("--out DIR is required");
  const count = integerFlag("count", values.count, 1, 0, 100_000_000);
  const seed = integerFlag("seed", values.seed, 0, 0, 2 ** 50);
  const concurrency = integerFlag("concurrency", values.concurrency, 2, 1, 256);
  const file = positionals[0]!;

  const graph = prepareGraph(parsePrompt(await readJsonFile(file), file), defaultRegistry(), file);
  const outputDir = await ensureOutputDir(resolve(values.out));

  const progress = createProgress(count);
  const counts = { accepted: 0, filtered: 0, failed: 0 };
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  let summary: BatchSummary;
  try {
    summary = await runBatch(graph, {
      count,
      concurrency,
      runSeed: seed,
      outputDir,
      signal: controller.signal,
      onSample: (outcome, finished) => {
        counts[outcome.status === "done" ? "accepted" : outcome.status]++;
        if (outcome.status === "failed") process.stderr.write(`sample ${outcome.index} failed: ${outcome.error.message}\n`);
        progress.update(finished, counts);
      },
    });
  } finally {
    process.off("SIGINT", onSignal);
    progress.done();
  }
  const report = {
    workflow: file,
    seed,
    concurrency,
    ...summary,
    durationMs: Math.round(summary.durationMs),
    samplesPerSecond: Number((count / Math.max(summary.durationMs / 1000, 1e-3)).toFixed(2)),
  };
  await writeFileAtomic(resolve(outputDir, "run-summary.json"), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(formatSummary(summary, outputDir));
  if (controller.signal.aborted) return 130;
  // A run in which every sample failed is broken, not finished.
  return count > 0 && summary.failed.length === count ? 1 : 0;
}

function formatSummary(s: BatchSummary, outputDir: string): string {
  const lines = [
    `samples:  ${s.count} in ${(s.durationMs / 1000).toFixed(1)} s (${(s.count / Math.max(s.durationMs / 1000, 1e-3)).toFixed(1)}/s)`,
    `accepted: ${s.accepted}`,
    `filtered: ${Object.values(s.filtered).reduce((a, b) => a + b, 0)}${Object.keys(s.filtered).length ? ` (${Object.entries(s.filtered).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(", ")})` : ""}`,
    `failed:   ${s.failed.length}`,
    ...s.failed.slice(0, 5).map((f) => `  sample ${f.index}: ${f.message}`),
    ...(s.failed.length > 5 ? [`  ... and ${s.failed.length - 5} more (see run-summary.json)`] : []),
    ...Object.entries(s.finalized).map(([id, r]) => `node #${id}: ${JSON.stringify(r)}`),
    `output:   ${outputDir}`,
  ];
  return `${lines.join("\n")}\n`;
}
