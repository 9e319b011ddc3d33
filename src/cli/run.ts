import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parse, integerFlag, serverFlag } from "./args.js";
import { UsageError } from "./usage-error.js";
import { ALLOW_ENDPOINTS_ENV } from "../captions/llm/allow-list.js";
import { readJsonFile } from "./read-json.js";
import { createProgress, type Progress, type ServerProgress } from "./progress.js";
import { runDurable, type DurableRunResult } from "../run/durable-run.js";
import { writeReport, REPORT_FILE } from "../run/report/write-report.js";
import { defaultRegistry } from "../nodes/index.js";
import { ensureOutputDir, writeFileAtomic } from "../dataset/atomic.js";
import type { RemoteRunner } from "../run/remote-stage.js";
import type { LocalPool } from "../run/local-pool.js";
import { loadGraph, localExecution } from "./load-graph.js";
import type { PreparedGraph } from "../run/graph.js";

export const RUN_USAGE =
  "imgdiff run <workflow.json> --count N --out DIR [--server URL ...] [--seed S] [--concurrency K] [--local-workers K] [--retry-failed] [--max-failures N] [--allow-endpoint ORIGIN ...] [--json-progress]  (resumes an unfinished run in DIR; --server, repeatable, for workflows with ComfyUI nodes)";

export async function runCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    count: { type: "string" },
    out: { type: "string" },
    seed: { type: "string" },
    concurrency: { type: "string" },
    "local-workers": { type: "string" },
    "retry-failed": { type: "boolean" },
    "max-failures": { type: "string" },
    server: { type: "string", multiple: true },
    "allow-endpoint": { type: "string", multiple: true },
    "json-progress": { type: "boolean" },
  });
  // A workflow names its model endpoints; only those the user allows here (or in the
  // environment) are contacted, loopback ones always.
  const allowed = [...(process.env[ALLOW_ENDPOINTS_ENV] ?? "").split(","), ...(values["allow-endpoint"] ?? [])].map((s) => s.trim()).filter(Boolean);
  if (allowed.length > 0) process.env[ALLOW_ENDPOINTS_ENV] = allowed.join(",");
  if (positionals.length !== 1) throw new UsageError(`expected one workflow file, received ${positionals.length}`);
  if (!values.out) throw new UsageError("--out DIR is required");
  const count = integerFlag("count", values.count, 1, 0, 100_000_000);
  const seed = integerFlag("seed", values.seed, 0, 0, 2 ** 50);
  const servers = (values.server ?? []).map((v) => serverFlag(v));
  const localWorkers = values["local-workers"] === undefined ? undefined : integerFlag("local-workers", values["local-workers"], 0, 0, 256);
  // Defaults that depend on the graph are settled once it is loaded; wrong flags fail first.
  const concurrencyFlag = values.concurrency === undefined ? undefined : integerFlag("concurrency", values.concurrency, 1, 1, 256);
  const maxFailures = values["max-failures"] === undefined ? undefined : integerFlag("max-failures", values["max-failures"], 0, 0);
  const file = positionals[0]!;

  const { graph, remote } = await loadGraph(await readJsonFile(file), file, defaultRegistry(), servers);
  const { pool: localPool, concurrency } = localExecution(graph, servers.length, { threads: localWorkers, concurrency: concurrencyFlag });
  try {
    return await runGraph(graph, file, {
      out: values.out,
      count,
      seed,
      concurrency,
      maxFailures,
      retryFailed: values["retry-failed"] === true,
      jsonProgress: values["json-progress"] === true,
      runner: remote?.runner,
      servers: remote?.servers,
      localPool,
    });
  } finally {
    await Promise.all([remote?.close(), localPool?.close()]);
  }
}

interface RunSettings {
  readonly out: string;
  readonly count: number;
  readonly seed: number;
  readonly concurrency: number;
  readonly maxFailures: number | undefined;
  readonly retryFailed: boolean;
  /** Progress as JSON lines on stderr (see progress.ts). */
  readonly jsonProgress: boolean;
  readonly runner?: RemoteRunner;
  readonly servers?: () => readonly ServerProgress[];
  readonly localPool?: LocalPool;
}

async function runGraph(graph: PreparedGraph, file: string, settings: RunSettings): Promise<number> {
  const { count, seed, concurrency, maxFailures } = settings;
  const outputDir = await ensureOutputDir(resolve(settings.out));

  let progress: Progress | undefined;
  const counts = { accepted: 0, filtered: 0, failed: 0 };
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let result: DurableRunResult;
  try {
    result = await runDurable(graph, {
      count,
      seed,
      concurrency,
      outputDir,
      signal: controller.signal,
      retryFailed: settings.retryFailed,
      runner: settings.runner,
      localPool: settings.localPool,
      ...(maxFailures !== undefined ? { maxFailures } : {}),
      onPlan: (plan) => {
        if (plan.resumed) {
          const b = plan.before;
          const extra = [plan.redone ? `${plan.redone} interrupted` : "", plan.retried ? `${plan.retried} failed, retried` : ""].filter(Boolean).join(", ");
          process.stderr.write(`resuming the run in ${outputDir}: ${b.done + b.filtered + b.failed} of ${b.total} samples finished; running ${plan.toRun}${extra ? ` (${extra})` : ""}\n`);
        }
        progress = createProgress(plan.toRun, { json: settings.jsonProgress, ...(settings.servers ? { servers: settings.servers } : {}) });
      },
      onSample: (outcome, finished) => {
        counts[outcome.status === "done" ? "accepted" : outcome.status]++;
        if (outcome.status === "failed") process.stderr.write(`sample ${outcome.index} failed: ${outcome.error.message}\n`);
        progress?.update(finished, counts);
      },
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    progress?.done();
  }

  const c = result.counts;
  // A run in which every sample failed is broken, not finished: exit 1, the first time and every time.
  const broken = c.total > 0 && c.failed === c.total;
  if (result.status === "already_complete") {
    if (!existsSync(resolve(outputDir, REPORT_FILE))) await writeReport(outputDir);
    process.stdout.write(`the run in ${outputDir} is complete: ${c.total} samples (${c.done} accepted, ${c.filtered} filtered, ${c.failed} failed); nothing to do${c.failed ? " (--retry-failed runs the failed ones again)" : ""}\n`);
    return broken ? 1 : 0;
  }
  const batch = result.batch;
  const summary = {
    workflow: file,
    count,
    seed,
    concurrency,
    status: result.status,
    resumed: result.plan.resumed,
    run: { ...c, reasons: result.reasons, failures: result.failures },
    session: batch && {
      samples: batch.count,
      accepted: batch.accepted,
      filtered: batch.filtered,
      failed: batch.failed,
      durationMs: Math.round(batch.durationMs),
      samplesPerSecond: Number((batch.count / Math.max(batch.durationMs / 1000, 1e-3)).toFixed(2)),
    },
    finalized: result.finalized,
  };
  await writeFileAtomic(resolve(outputDir, "run-summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  const report = await writeReport(outputDir);
  process.stdout.write(formatSummary(result, outputDir, report));
  if (result.status === "interrupted") return 130;
  if (result.status === "max_failures") {
    const top = result.failures[0];
    process.stderr.write(
      `imgdiff run: stopped after ${batch?.failed.length ?? 0} failures (more than --max-failures ${maxFailures})${top ? `; most common cause: ${top.cause}, ${top.count} times, e.g. ${top.example}` : ""}. Fix the cause and rerun the same command to resume.\n`,
    );
    return 1;
  }
  return broken ? 1 : 0;
}

function formatSummary(r: DurableRunResult, outputDir: string, report: string): string {
  const b = r.batch;
  const c = r.counts;
  const reasons = Object.entries(r.reasons).map(([reason, n]) => `${reason} ${n}`).join(", ");
  const lines = [
    ...(b ? [`samples:  ${b.count} run now in ${(b.durationMs / 1000).toFixed(1)} s (${(b.count / Math.max(b.durationMs / 1000, 1e-3)).toFixed(1)}/s)`] : []),
    `run:      ${c.total} samples, ${c.done + c.filtered + c.failed} finished${c.pending + c.running ? `, ${c.pending + c.running} left (rerun the same command to resume)` : ""}`,
    `accepted: ${c.done}`,
    `filtered: ${c.filtered}${reasons ? ` (${reasons})` : ""}`,
    `failed:   ${c.failed}`,
    ...r.failures.slice(0, 5).map((f) => `  ${f.cause}: ${f.count} (e.g. ${f.example})`),
    ...Object.entries(r.finalized).map(([id, rep]) => `node #${id}: ${JSON.stringify(rep)}`),
    `output:   ${outputDir}`,
    `report:   ${report}`,
  ];
  return `${lines.join("\n")}\n`;
}
