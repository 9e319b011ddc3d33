/**
 * Crash safety end to end: the real `imgdiff run` in a child process, killed with SIGKILL at
 * seeded random moments and resumed each time, must end with every sample accounted for once,
 * whole files only, and a ledger that agrees with the dataset.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/util/rng.js";
import { runCli } from "../support/cli.js";
import { expectWholeDataset } from "./farm-support.js";

const root = resolve(import.meta.dirname, "../..");
const workflow = join(root, "workflows/synthetic-object-replacement.json");
const COUNT = 60;

/** Samples whose records are written: the run's progress, as a crash would leave it. */
function recordsIn(out: string): number {
  try {
    return readdirSync(join(out, "records")).filter((f) => f.endsWith(".json")).length;
  } catch {
    return 0;
  }
}

/**
 * Starts `imgdiff run` and SIGKILLs it once `more` further samples have been recorded (mid-run,
 * whatever the machine's speed), or during start-up when `more` is 0; says whether the kill
 * landed before the run ended by itself.
 */
function runAndKill(args: readonly string[], out: string, more: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((done, fail) => {
    const before = recordsIn(out);
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { cwd: root, stdio: "ignore" });
    const timer = setInterval(() => {
      if (recordsIn(out) >= before + more) child.kill("SIGKILL");
    }, 20);
    child.on("error", fail);
    child.on("close", (code, signal) => {
      clearInterval(timer);
      done({ killed: signal === "SIGKILL", code });
    });
  });
}

describe("imgdiff run: kill -9 and resume", () => {
  it("ends with every sample once, whole files, and a ledger that matches the dataset", { timeout: 90_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "imgdiff-kill-"));
    const args = ["run", workflow, "--count", String(COUNT), "--out", out, "--concurrency", "2"];
    const rng = createRng("resume-kill-test");
    let kills = 0;
    for (let attempt = 0; attempt < 12 && kills < 5; attempt++) {
      // From start-up (0 more samples) to mid-run (up to 8 more samples recorded).
      const r = await runAndKill(args, out, rng.int(0, 8));
      if (r.killed) kills++;
      else break; // the run finished before the kill
    }
    expect(kills).toBeGreaterThanOrEqual(5);

    const final = await runCli(args);
    expect(final.stderr).not.toMatch(/unexpected error/);
    expect(final.code).toBe(0);
    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/is complete: 60 samples/);

    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("<h2>Funnel</h2>"); // every run writes its report
    await expectWholeDataset(out, COUNT, { allowFailed: true });
  });
});
