import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLedger, LEDGER_FILE } from "../../src/run/ledger.js";
import { readRunStatus } from "../../src/run/status.js";
import { runCli } from "../support/cli.js";

const workflow = { "1": { class_type: "Test.Source", inputs: { seed: 1 } } };

async function makeRun() {
  const dir = mkdtempSync(join(tmpdir(), "imgdiff-status-"));
  const ledger = await createLedger(join(dir, LEDGER_FILE), { workflow, parameters: { count: 10, seed: 0, concurrency: 2 }, version: "test", seedsFor: () => ({}) });
  return { dir, ledger };
}

describe("imgdiff status", () => {
  it("--json prints counts, reasons, failure causes, throughput and ETA, reading while the run holds the ledger open", async () => {
    const { dir, ledger } = await makeRun();
    ledger.startSession(2); // this process: a live run
    for (let i = 0; i < 6; i++) ledger.markRunning(i);
    ledger.markDone(0, {});
    ledger.markDone(1, {});
    ledger.markFiltered(2, { reason: "too_similar", nodeId: "4", classType: "ImgDiff.PairFilter" });
    ledger.markFailed(3, { code: "SCENE_FAILED", nodeId: "2", classType: "ImgDiff.SyntheticScene", message: "node #2 (ImgDiff.SyntheticScene) failed: boom" });
    ledger.flush();

    const r = await runCli(["status", dir, "--json"]);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(status).sort()).toEqual(["done", "etaSeconds", "failed", "failures", "filtered", "pending", "reasons", "running", "samplesPerSecond", "total"]);
    expect(status).toMatchObject({ total: 10, done: 2, filtered: 1, failed: 1, pending: 4, running: 2, reasons: { too_similar: 1 }, failures: { "SCENE_FAILED at node #2 (ImgDiff.SyntheticScene)": 1 } });

    // In-process, with a clock 4 s after the session started: 4 finished in 4 s, 6 left.
    const started = ledger.sessions()[0]!.startedAt;
    const live = readRunStatus(dir, started + 4000);
    expect(live.live).toBe(true);
    expect(live.status.samplesPerSecond).toBe(1);
    expect(live.status.etaSeconds).toBe(6);

    const text = await runCli(["status", dir]);
    expect(text.stdout).toMatch(/state: +running/);
    expect(text.stdout).toMatch(/filtered too_similar: 1/);
    expect(text.stdout).toMatch(/failed SCENE_FAILED at node #2 \(ImgDiff\.SyntheticScene\): 1 \(e\.g\. node #2 \(ImgDiff\.SyntheticScene\) failed: boom\)/);
    ledger.close();
  });

  it("a stopped run has no ETA; a complete one has 0", async () => {
    const { dir, ledger } = await makeRun();
    ledger.startSession(2);
    ledger.markRunning(0);
    ledger.markDone(0, {});
    ledger.endSession("interrupted");
    expect(readRunStatus(dir).status.etaSeconds).toBeNull();
    expect(readRunStatus(dir).live).toBe(false);
    ledger.startSession(2);
    for (let i = 1; i < 10; i++) {
      ledger.markRunning(i);
      ledger.markDone(i, {});
    }
    ledger.endSession("completed");
    ledger.markFinished();
    ledger.close();
    const r = await runCli(["status", dir, "--json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ done: 10, pending: 0, etaSeconds: 0 });
  });

  it("a folder without a ledger is an error naming the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgdiff-status-none-"));
    const r = await runCli(["status", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no run ledger at .*ledger\.sqlite/);
  });
});
