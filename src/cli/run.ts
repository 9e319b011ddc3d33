import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parse, integerFlag, serverFlag } from "./args.js";
import { UsageError } from "./usage-error.js";
import { ALLOW_ENDPOINTS_ENV } from "../captions/llm/allow-list.js";
import { readJsonFile } from "./read-json.js";
import { createProgress, type Progress, type ServerProgress } from "./progress.js";
import { parsePrompt, prepareGraph } from "../run/graph.js";
import { runDurable, type DurableRunResult } from "../run/durable-run.js";
import { writeReport, REPORT_FILE } from "../run/report/write-report.js";
import { defaultRegistry } from "../nodes/index.js";
import { ensureOutputDir, writeFileAtomic } from "../dataset/atomic.js";
import { ComfyClient } from "../client/client.js";
import { ServerPool } from "../client/pool.js";
import type { ObjectInfo } from "../graph/object-info.js";
import { unionObjectInfo } from "../graph/union-info.js";
import { isUiWorkflow } from "../graph/ui-workflow.js";
import type { NodeRegistry } from "../nodes/registry.js";
import { poolRunner, type RemoteRunner } from "../run/remote-stage.js";
import type { PreparedGraph } from "../run/graph.js";
import { ImgDiffError } from "../errors.js";

export const RUN_USAGE =
  "imgdiff run <workflow.json> --count N --out DIR [--server URL ...] [--seed S] [--concurrency K] [--retry-failed] [--max-failures N] [--allow-endpoint ORIGIN ...] [--json-progress]  (resumes an unfinished run in DIR; --server, repeatable, for workflows with ComfyUI nodes)";

export async function runCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    count: { type: "string" },
    out: { type: "string" },
    seed: { type: "string" },
    concurrency: { type: "string" },
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
  // Each server of the pool takes two prompts at once; keep them all busy by default.
  const concurrency = integerFlag("concurrency", values.concurrency, Math.max(2, 2 * servers.length), 1, 256);
  const maxFailures = values["max-failures"] === undefined ? undefined : integerFlag("max-failures", values["max-failures"], 0, 0);
  const file = positionals[0]!;

  const { graph, remote } = await loadGraph(await readJsonFile(file), file, defaultRegistry(), servers);
  try {
    return await runGraph(graph, file, {
      out: values.out,
      count,
      seed,
      concurrency,
      maxFailures,
      retryFailed: values["retry-failed"] === true,
      jsonProgress: values["json-progress"] === true,
      ...(remote ? { runner: remote.runner, servers: remote.servers } : {}),
    });
  } finally {
    await remote?.close();
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
      ...(settings.runner ? { runner: settings.runner } : {}),
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

interface Remote {
  readonly runner: RemoteRunner;
  /** The pool's servers for the progress display. */
  readonly servers: () => readonly ServerProgress[];
  close(): Promise<void>;
}

/**
 * The prepared graph, and for a graph with ComfyUI nodes the servers to run them: validated
 * against the object_info of the first server that answers (the pool's servers are meant to
 * be alike).
 */
async function loadGraph(value: unknown, file: string, registry: NodeRegistry, servers: readonly string[]): Promise<{ graph: PreparedGraph; remote?: Remote }> {
  const foreign = foreignNodeTypes(value, registry);
  if (foreign.length === 0) return { graph: prepareGraph(parsePrompt(value, file), registry, file) };
  if (servers.length === 0) {
    throw new ImgDiffError(
      "NO_SERVER",
      `${file} has ComfyUI nodes (${foreign.join(", ")}), which run on a ComfyUI server: give one with --server URL (e.g. --server http://127.0.0.1:8188; repeat it to use several)`,
    );
  }
  const clients = servers.map((baseUrl) => new ComfyClient({ baseUrl }));
  const pool = new ServerPool({ servers });
  const close = async () => {
    await pool.close();
    await Promise.all(clients.map((c) => c.close()));
  };
  try {
    const serverInfo = await firstObjectInfo(clients);
    const prompt = parsePrompt(value, file, unionObjectInfo(serverInfo, registry.objectInfo()));
    return { graph: prepareGraph(prompt, registry, file, serverInfo), remote: { runner: poolRunner(pool, clients), servers: () => serverProgress(pool), close } };
  } catch (error) {
    await close();
    throw error;
  }
}

function serverProgress(pool: ServerPool): ServerProgress[] {
  return pool.status().map((s) => ({ url: s.url, busy: s.inFlight, done: s.completed, failed: s.moved, healthy: s.healthy }));
}

async function firstObjectInfo(clients: readonly ComfyClient[]): Promise<ObjectInfo> {
  const failures: string[] = [];
  for (const client of clients) {
    try {
      return await client.objectInfo({ timeoutMs: 30_000 });
    } catch (error) {
      failures.push(`${client.baseUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new ImgDiffError("SERVER_UNREACHABLE", `no ComfyUI server answered GET /object_info:\n  - ${failures.join("\n  - ")}`);
}

/**
 * Node types in a workflow (either format) that are not ours: ComfyUI's, or unknown. An unknown
 * type in our pack's namespace is a mistake on our side, left for validation to name.
 */
function foreignNodeTypes(value: unknown, registry: NodeRegistry): string[] {
  if (typeof value !== "object" || value === null) return [];
  const types: string[] = [];
  if (isUiWorkflow(value)) {
    const frontendOnly = new Set(["PrimitiveNode", "Reroute", "Note", "MarkdownNote"]);
    const graphs = [value as { nodes?: unknown }, ...(((value as { definitions?: { subgraphs?: unknown } }).definitions?.subgraphs as unknown[] | undefined) ?? [])];
    for (const g of graphs) {
      for (const node of ((g as { nodes?: unknown }).nodes as Array<{ type?: unknown; mode?: unknown }> | undefined) ?? []) {
        // Muted (2) and bypassed (4) nodes are not queued.
        if (typeof node.type === "string" && !frontendOnly.has(node.type) && node.mode !== 2 && node.mode !== 4) types.push(node.type);
      }
    }
  } else {
    const body = "prompt" in value && !("class_type" in value) ? (value as { prompt: unknown }).prompt : value;
    for (const node of Object.values((body ?? {}) as Record<string, { class_type?: unknown }>)) if (typeof node?.class_type === "string") types.push(node.class_type);
  }
  // Subgraph instances are containers, not node types.
  const subgraphIds = new Set((((value as { definitions?: { subgraphs?: Array<{ id?: unknown }> } }).definitions?.subgraphs) ?? []).map((s) => s.id));
  return [...new Set(types)].filter((t) => !registry.has(t) && !t.startsWith("ImgDiff.") && !subgraphIds.has(t) && !t.startsWith("workflow>") && !t.startsWith("workflow/")).sort();
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
