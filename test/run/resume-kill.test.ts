/**
 * Crash safety end to end: the real `imgdiff run` in a child process, killed with SIGKILL at
 * seeded random moments and resumed each time, must end with every sample accounted for once,
 * whole files only, and a ledger that agrees with the dataset.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/util/rng.js";
import { isCompleteLedger, LEDGER_FILE, openLedgerReadOnly } from "../../src/run/ledger.js";
import { runCli } from "../support/cli.js";

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
      else break;
      if (process.env["IMGDIFF_DEBUG"] && isCompleteLedger(join(out, LEDGER_FILE))) {
        const l = openLedgerReadOnly(join(out, LEDGER_FILE));
        console.log(`after kill ${kills}: ${JSON.stringify(l.counts())}`);
        l.close();
      } // the run finished before the kill
    }
    expect(kills).toBeGreaterThanOrEqual(5);

    const final = await runCli(args);
    expect(final.stderr).not.toMatch(/unexpected error/);
    expect(final.code).toBe(0);
    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/is complete: 60 samples/);

    const ledger = openLedgerReadOnly(join(out, LEDGER_FILE));
    const samples = ledger.samples();
    const counts = ledger.counts();
    ledger.close();
    expect(counts.total).toBe(COUNT);
    expect(counts.done + counts.filtered + counts.failed).toBe(COUNT);
    for (const s of samples.filter((x) => x.state === "failed")) expect(s.error?.message).toBeTruthy();
    for (const s of samples.filter((x) => x.state === "filtered")) expect(s.reason).toBeTruthy();

    // Every JSON file parses, every metadata line parses, ids are unique.
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("<h2>Funnel</h2>"); // every run writes its report
    for (const file of ["img_diff_object_replacement.json", "img_diff_object_removal.json", "llava.json", "run-summary.json"]) {
      expect(() => JSON.parse(readFileSync(join(out, file), "utf8")), file).not.toThrow();
    }
    const lines = readFileSync(join(out, "metadata.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const ids = lines.map((l) => l["id"] as string);
    expect(new Set(ids).size).toBe(ids.length);
    const replacement = JSON.parse(readFileSync(join(out, "img_diff_object_replacement.json"), "utf8")) as { path: string }[];
    expect(new Set(replacement.map((r) => r.path)).size).toBe(replacement.length);

    // The ledger agrees with the dataset: done samples are exactly the records and the metadata.
    const done = samples.filter((s) => s.state === "done");
    const recordIndexes = readdirSync(join(out, "records")).filter((n) => /^\d+\.json$/.test(n)).map((n) => Number(n.slice(0, -5)));
    expect(recordIndexes.sort((a, b) => a - b)).toEqual(done.map((s) => s.index));
    expect([...new Set(lines.map((l) => l["sample_index"] as number))]).toEqual(done.map((s) => s.index));
    const ledgerIds = done.flatMap((s) => (Object.values(s.outputs ?? {}) as { outputs: string[] }[]).flatMap((o) => o.outputs));
    expect(ledgerIds.sort()).toEqual([...ids].sort());

    // Every referenced image decodes whole.
    const images = [...new Set(lines.flatMap((l) => [l["file_name"], l["left_file_name"], l["right_file_name"]] as string[]))];
    for (const image of images) {
      const { info } = await sharp(join(out, image)).raw().toBuffer({ resolveWithObject: true });
      expect(info.width, image).toBeGreaterThan(0);
    }
  });
});
