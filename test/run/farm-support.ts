/**
 * Shared by the farm tests: the SDXL replacement workflow at a small size, the run's progress
 * as a crash leaves it, and the checks that a finished run's dataset is whole and agrees with
 * its ledger.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import sharp from "sharp";
import { expect } from "vitest";
import { LEDGER_FILE, openLedgerReadOnly, type SampleRow } from "../../src/run/ledger.js";
import { smallReplacementWorkflow } from "../../scripts/bench-batch.js";

const root = resolve(import.meta.dirname, "../..");

/** Writes the small workflow into dir and returns its path. */
export function writeSmallWorkflow(dir: string, size = 64): string {
  const file = join(dir, "workflow.json");
  writeFileSync(file, JSON.stringify(smallReplacementWorkflow(size)));
  return file;
}

/** Samples whose records are written. */
export function recordsIn(out: string): number {
  try {
    return readdirSync(join(out, "records")).filter((f) => f.endsWith(".json")).length;
  } catch {
    return 0;
  }
}

/**
 * Starts `imgdiff run`; `whenRecords` is called every 20 ms with the record count and may kill it
 * (SIGKILL) by returning true. Says whether it was killed.
 */
export function runImgdiff(args: readonly string[], whenRecords?: (records: number) => boolean, out?: string): Promise<{ killed: boolean; code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = whenRecords && out ? setInterval(() => whenRecords(recordsIn(out)) && child.kill("SIGKILL"), 20) : undefined;
    child.on("error", fail);
    child.on("close", (code, signal) => {
      if (timer) clearInterval(timer);
      done({ killed: signal === "SIGKILL", code, stdout, stderr });
    });
  });
}

/**
 * A finished run of `count` samples: every sample done or filtered, whole JSON files, unique
 * ids, records and metadata matching the ledger's done samples, every image decoding. Returns
 * the ledger's rows.
 */
export async function expectWholeDataset(out: string, count: number, options: { allowFailed?: boolean } = {}): Promise<SampleRow[]> {
  const ledger = openLedgerReadOnly(join(out, LEDGER_FILE));
  const samples = ledger.samples();
  const counts = ledger.counts();
  ledger.close();
  expect(counts.total).toBe(count);
  expect(counts.done + counts.filtered + (options.allowFailed ? counts.failed : 0)).toBe(count);
  for (const s of samples.filter((x) => x.state === "failed")) expect(s.error?.message).toBeTruthy();
  for (const s of samples.filter((x) => x.state === "filtered")) expect(s.reason).toBeTruthy();
  expect(new Set(samples.map((s) => s.index)).size).toBe(count);

  for (const file of ["img_diff_object_replacement.json", "img_diff_object_removal.json", "llava.json", "run-summary.json"]) {
    expect(() => JSON.parse(readFileSync(join(out, file), "utf8")), file).not.toThrow();
  }
  const lines = readFileSync(join(out, "metadata.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const ids = lines.map((l) => l["id"] as string);
  expect(new Set(ids).size).toBe(ids.length);
  const replacement = JSON.parse(readFileSync(join(out, "img_diff_object_replacement.json"), "utf8")) as { path: string }[];
  expect(new Set(replacement.map((r) => r.path)).size).toBe(replacement.length);

  const done = samples.filter((s) => s.state === "done");
  const recordIndexes = readdirSync(join(out, "records")).filter((n) => /^\d+\.json$/.test(n)).map((n) => Number(n.slice(0, -5)));
  expect(recordIndexes.sort((a, b) => a - b)).toEqual(done.map((s) => s.index));
  // In index order, as the dataset writer assembles it.
  expect([...new Set(lines.map((l) => l["sample_index"] as number))]).toEqual(done.map((s) => s.index));
  const ledgerIds = done.flatMap((s) => (Object.values(s.outputs ?? {}) as { outputs: string[] }[]).flatMap((o) => o.outputs));
  expect(ledgerIds.sort()).toEqual([...ids].sort());

  const images = [...new Set(lines.flatMap((l) => [l["file_name"], l["left_file_name"], l["right_file_name"]] as string[]))];
  for (const image of images) {
    const { info } = await sharp(join(out, image)).raw().toBuffer({ resolveWithObject: true });
    expect(info.width, image).toBeGreaterThan(0);
  }
  return samples;
}
