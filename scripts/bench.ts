/**
 * npm run bench: prints the figures the project promises, measured here and now.
 *  1. Detection throughput on 1024x1024 PNG pairs (decode included) against sharp decode +
 *     pixelmatch on the same pairs (target: ratio >= 2.0).
 *  2. The batch runner on a farm: `imgdiff run` of the SDXL replacement workflow on 8 fake
 *     ComfyUI servers with 200 ms jobs, wall time over the ideal (target <= 1.05).
 *  3. The synthetic main job at 512 px with the CLI's defaults (a local worker thread per core),
 *     run through the built CLI in a child process: samples per second, and peak RSS sampled
 *     along the run (target: flat, < 300 MB).
 * Both runs of the command use the built package (dist/), as users run it; it is built first.
 * Options: --pairs N (detection pairs, default 24), --jobs N (farm samples, default 240),
 * --samples N (main job, default 2000; 10000 for the long RSS run).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { benchDetection } from "./bench-detect.js";
import { benchBatch, formatBatchBench } from "./bench-batch.js";

const root = resolve(import.meta.dirname, "..");
const { values } = parseArgs({ options: { pairs: { type: "string" }, samples: { type: "string" }, jobs: { type: "string" } } });
const pairs = Number(values.pairs ?? 24);
const samples = Number(values.samples ?? 2000);

const cli = join(root, "dist/cli/main.js");
if (!existsSync(cli) || process.env["BENCH_REBUILD"] !== "0") {
  const build = spawnSync("npx", ["tsup", "--silent"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new Error("build failed");
}

console.log("== detection throughput, 1024x1024 PNG pairs, decode included");
const detection = await benchDetection({ pairs });
console.log(`ours:     ${detection.oursPairsPerSecond.toFixed(1)} pairs/s`);
console.log(`baseline: ${detection.baselinePairsPerSecond.toFixed(1)} pairs/s (sharp decode + pixelmatch 0.1)`);
console.log(`ratio:    ${detection.ratio.toFixed(2)} (target >= 2.0)`);

console.log("\n== batch runner on a farm: 8 fake ComfyUI servers, 200 ms jobs, SDXL replacement workflow at 128 px");
console.log(formatBatchBench(await benchBatch({ servers: 8, promptMs: 200, jobs: Number(values.jobs ?? 240), cli })));

console.log(`\n== synthetic main job: ${samples} samples at 512 px, built CLI, default concurrency and local worker threads`);
const out = mkdtempSync(join(tmpdir(), "imgdiff-bench-"));
const child = spawn(process.execPath, [cli, "run", join(root, "workflows/synthetic-object-replacement.json"), "--count", String(samples), "--out", out, "--seed", "1"], {
  stdio: ["ignore", "ignore", "pipe"],
});
let stderr = "";
child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
const readings: Array<{ seconds: number; rssMb: number }> = [];
const started = performance.now();
const timer = setInterval(() => {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    if (rss > 0) readings.push({ seconds: (performance.now() - started) / 1000, rssMb: rss });
    // A long run shows its memory as it goes, not only at the end.
    if (rss > 0 && readings.length % 120 === 0) console.log(`  rss at ${readings.at(-1)!.seconds.toFixed(0)} s: ${rss.toFixed(0)} MB`);
  } catch {
    // the process has ended between two readings
  }
}, 250);
const code = await new Promise<number | null>((done) => child.on("close", done));
clearInterval(timer);
if (code !== 0) throw new Error(`imgdiff run exited ${code}: ${stderr.slice(-2000)}`);
const { session: summary } = JSON.parse(readFileSync(join(out, "run-summary.json"), "utf8")) as {
  session: { accepted: number; samplesPerSecond: number; filtered: Record<string, number>; failed: unknown[] };
};
const peak = Math.max(...readings.map((r) => r.rssMb));
const tenths = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((q) => readings[Math.min(readings.length - 1, Math.floor(q * (readings.length - 1)))]!);
console.log(`throughput: ${summary.samplesPerSecond.toFixed(1)} samples/s (accepted ${summary.accepted}, filtered ${JSON.stringify(summary.filtered)}, failed ${summary.failed.length})`);
console.log(`rss along the run: ${tenths.map((r) => `${r.seconds.toFixed(0)}s ${r.rssMb.toFixed(0)} MB`).join(", ")}`);
console.log(`peak rss: ${peak.toFixed(0)} MB (target < 300 MB, flat)`);
rmSync(out, { recursive: true, force: true });
