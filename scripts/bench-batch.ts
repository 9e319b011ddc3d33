/**
 * The batch runner against a farm: `imgdiff run` of the SDXL replacement workflow (one ComfyUI
 * prompt per sample, our local nodes before and after it) on 8 fake ComfyUI servers whose
 * every prompt takes a fixed time, like a GPU job. Ideal wall time is jobs x promptMs / servers:
 * the servers never idle. The ratio is the batch's wall time (local stages and dataset files
 * included) over that ideal; the target is <= 1.05.
 *
 *   npx tsx scripts/bench-batch.ts [--servers 8] [--jobs 240] [--prompt-ms 200] [--size 128] [--cli dist/cli/main.js]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { spawnFakeComfy, type SpawnedFakeComfy } from "../test/support/fake-comfy/index.js";

const root = resolve(import.meta.dirname, "..");

export interface BatchBenchOptions {
  readonly servers?: number;
  readonly jobs?: number;
  readonly promptMs?: number;
  /** Image side in pixels (the fake's work grows with it; the GPU time is promptMs). */
  readonly size?: number;
  /** Samples in flight (imgdiff run --concurrency); default the CLI's own. */
  readonly concurrency?: number;
  /** The built command (dist/cli/main.js), as users run it; default the sources through tsx. */
  readonly cli?: string;
}

export interface BatchBenchResult {
  readonly servers: number;
  readonly jobs: number;
  readonly promptMs: number;
  /** The batch's own time (run-summary.json session.durationMs), seconds. */
  readonly wallSeconds: number;
  /** jobs x promptMs / servers, seconds. */
  readonly idealSeconds: number;
  readonly ratio: number;
  /** The whole `imgdiff run` process, start-up and object_info included, seconds. */
  readonly processSeconds: number;
  /** Prompts each server ran. */
  readonly perServer: readonly number[];
  /** CPU seconds used by the imgdiff process and by all the fake servers together. */
  readonly cpu: { readonly imgdiff: number; readonly fakes: number; readonly cores: number };
  readonly accepted: number;
  readonly failed: number;
}

export async function benchBatch(options: BatchBenchOptions = {}): Promise<BatchBenchResult> {
  const servers = options.servers ?? 8;
  const jobs = options.jobs ?? 240;
  const promptMs = options.promptMs ?? 200;
  const size = options.size ?? 128;
  const dir = mkdtempSync(join(tmpdir(), "imgdiff-bench-batch-"));
  const fakes: SpawnedFakeComfy[] = [];
  try {
    for (let i = 0; i < servers; i++) fakes.push(await spawnFakeComfy({ promptMs }));
    const workflow = join(dir, "workflow.json");
    writeFileSync(workflow, JSON.stringify(smallReplacementWorkflow(size)));
    const out = join(dir, "out");
    const args = ["run", workflow, "--count", String(jobs), "--out", out, "--seed", "1", ...(options.concurrency ? ["--concurrency", String(options.concurrency)] : []), ...fakes.flatMap((f) => ["--server", f.url])];
    const started = performance.now();
    const fakeCpuBefore = fakes.reduce((sum, f) => sum + cpuSeconds(f.pid), 0);
    const { code, stderr, cpuSeconds: imgdiffCpu } = await runImgdiff(args, options.cli);
    const fakeCpu = fakes.reduce((sum, f) => sum + cpuSeconds(f.pid), 0) - fakeCpuBefore;
    const processSeconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`imgdiff run exited ${code}: ${stderr.slice(-2000)}`);
    const summary = JSON.parse(readFileSync(join(out, "run-summary.json"), "utf8")) as { session: { durationMs: number; accepted: number; failed: unknown[] } };
    // Stats reach us over the fakes' stdout; give the last lines a moment.
    await new Promise((r) => setTimeout(r, 200));
    const wallSeconds = summary.session.durationMs / 1000;
    const idealSeconds = (jobs * promptMs) / 1000 / servers;
    return {
      servers,
      jobs,
      promptMs,
      wallSeconds,
      idealSeconds,
      ratio: wallSeconds / idealSeconds,
      processSeconds,
      perServer: fakes.map((f) => Object.values(f.stats().executed).reduce((a, b) => a + b, 0)),
      cpu: { imgdiff: imgdiffCpu, fakes: fakeCpu, cores: availableParallelism() },
      accepted: summary.session.accepted,
      failed: summary.session.failed.length,
    };
  } finally {
    await Promise.all(fakes.map((f) => f.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** workflows/sdxl-object-replacement.json with its object region (and so every image) at size x size. */
export function smallReplacementWorkflow(size: number): unknown {
  const workflow = JSON.parse(readFileSync(join(root, "workflows/sdxl-object-replacement.json"), "utf8")) as { nodes: Array<{ id: number; type: string; widgets_values: unknown[] }> };
  const region = workflow.nodes.find((n) => n.type === "ImgDiff.ObjectRegion");
  if (!region) throw new Error("sdxl-object-replacement.json has no ImgDiff.ObjectRegion node");
  region.widgets_values[2] = size;
  region.widgets_values[3] = size;
  return workflow;
}

function runImgdiff(args: readonly string[], cli: string | undefined): Promise<{ code: number | null; stderr: string; cpuSeconds: number }> {
  return new Promise((done, fail) => {
    const command = cli ? [cli] : ["--import", "tsx", join(root, "src/cli/main.ts")];
    const child = spawn(process.execPath, [...command, ...args], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    // The process's CPU time, read from /proc until it exits (its threads included).
    let cpu = 0;
    const timer = setInterval(() => (cpu = Math.max(cpu, cpuSeconds(child.pid!) || 0)), 50);
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      clearInterval(timer);
      done({ code, stderr, cpuSeconds: cpu });
    });
  });
}

/** User + system CPU seconds of a live process on Linux (NaN elsewhere or once it has gone). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export function formatBatchBench(r: BatchBenchResult): string {
  return [
    `wall:      ${r.wallSeconds.toFixed(2)} s for ${r.jobs} samples (${r.accepted} accepted, ${r.failed} failed); whole process ${r.processSeconds.toFixed(1)} s`,
    `ideal:     ${r.idealSeconds.toFixed(2)} s (${r.jobs} x ${r.promptMs} ms / ${r.servers} servers)`,
    `per server: ${r.perServer.join(" ")} prompts`,
    `cpu:       imgdiff ${((r.cpu.imgdiff / r.jobs) * 1000).toFixed(1)} ms/sample, fake servers ${((r.cpu.fakes / r.jobs) * 1000).toFixed(1)} ms/sample, ${r.cpu.cores} cores (the floor from CPU alone is ${((r.cpu.imgdiff + r.cpu.fakes) / r.cpu.cores).toFixed(2)} s)`,
    `ratio:     ${r.ratio.toFixed(3)} (target <= 1.05)`,
  ].join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { servers: { type: "string" }, jobs: { type: "string" }, "prompt-ms": { type: "string" }, size: { type: "string" }, concurrency: { type: "string" }, cli: { type: "string" } } });
  const result = await benchBatch({
    ...(values.servers ? { servers: Number(values.servers) } : {}),
    ...(values.jobs ? { jobs: Number(values.jobs) } : {}),
    ...(values["prompt-ms"] ? { promptMs: Number(values["prompt-ms"]) } : {}),
    ...(values.size ? { size: Number(values.size) } : {}),
    ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
    ...(values.cli ? { cli: resolve(values.cli) } : {}),
  });
  console.log(formatBatchBench(result));
}
