import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { blocked, defineNode } from "../../src/nodes/define.js";
import { int, output, socket } from "../../src/nodes/inputs.js";
import { createRegistry } from "../../src/nodes/registry.js";
import { parsePrompt, prepareGraph } from "../../src/run/graph.js";
import { runDurable } from "../../src/run/durable-run.js";
import { LEDGER_FILE, openLedgerReadOnly } from "../../src/run/ledger.js";

// Samples fail while `broken` holds their seed: a "fixable" systematic failure.
const broken = new Set<number>();
const runs: number[] = [];

const Source = defineNode({
  type: "Test.Source",
  category: "test",
  description: "emits its seed",
  inputs: { seed: int({ default: 0, min: 0, max: 1000, control_after_generate: "increment" }) },
  outputs: { value: output("INT") },
  run: ({ seed }, ctx) => {
    runs.push(ctx.sampleIndex);
    if (broken.has(seed)) throw new Error(`no model for ${seed}`);
    return { value: seed };
  },
});
const Gate = defineNode({
  type: "Test.Gate",
  category: "test",
  description: "blocks multiples of 5",
  inputs: { value: socket("INT") },
  outputs: { value: output("INT") },
  run: ({ value }) => (value % 5 === 0 ? blocked("fifth", { value }) : { value }),
});
const Sink = defineNode({
  type: "Test.Sink",
  category: "test",
  description: "reports the value",
  inputs: { value: socket("INT") },
  outputs: {},
  outputNode: true,
  run: ({ value }) => ({ ui: { outputs: [`out_${value}`] } }),
});
const registry = createRegistry([Source, Gate, Sink]);
const graphWith = (seed = 0) =>
  prepareGraph(
    parsePrompt({
      "1": { class_type: "Test.Source", inputs: { seed } },
      "2": { class_type: "Test.Gate", inputs: { value: ["1", 0] } },
      "3": { class_type: "Test.Sink", inputs: { value: ["2", 0] } },
    }),
    registry,
  );
const folder = () => mkdtempSync(join(tmpdir(), "imgdiff-resume-"));
const base = { count: 20, seed: 0, concurrency: 3, version: "test" } as const;

describe("runDurable: resume", () => {
  it("a complete run re-invoked does nothing; a crash's running samples are redone, finished ones never", async () => {
    const outputDir = folder();
    runs.length = 0;
    const first = await runDurable(graphWith(), { ...base, outputDir });
    expect(first.status).toBe("completed");
    expect(first.counts).toMatchObject({ total: 20, done: 16, filtered: 4, failed: 0, pending: 0 });
    expect(first.reasons).toEqual({ fifth: 4 });
    expect(runs.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));

    runs.length = 0;
    const again = await runDurable(graphWith(), { ...base, concurrency: 1, outputDir }); // concurrency may change
    expect(again.status).toBe("already_complete");
    expect(runs).toEqual([]);

    // Simulate a crash: two samples caught running, the run not finished.
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(join(outputDir, LEDGER_FILE));
    db.exec("UPDATE samples SET state = 'running' WHERE idx IN (3, 7); DELETE FROM meta WHERE key = 'finished_at'");
    db.close();
    runs.length = 0;
    const resumed = await runDurable(graphWith(), { ...base, outputDir });
    expect(resumed.plan).toMatchObject({ resumed: true, redone: 2, toRun: 2 });
    expect(runs.sort((a, b) => a - b)).toEqual([3, 7]);
    expect(resumed.counts).toMatchObject({ done: 16, filtered: 4, running: 0, pending: 0 });
    const ledger = openLedgerReadOnly(join(outputDir, LEDGER_FILE));
    expect(ledger.sample(3)).toMatchObject({ state: "done", attempts: 2, outputs: { "3": { outputs: ["out_3"] } } });
    expect(ledger.sessions().map((s) => s.outcome)).toEqual(["completed", "completed"]);
    ledger.close();
  });

  it("refuses another workflow or other parameters, naming the difference", async () => {
    const outputDir = folder();
    await runDurable(graphWith(), { ...base, count: 4, outputDir });
    await expect(runDurable(graphWith(), { ...base, count: 5, outputDir })).rejects.toThrow(/--count: the run has 4, this invocation 5[\s\S]*new --out/);
    await expect(runDurable(graphWith(), { ...base, count: 4, seed: 9, outputDir })).rejects.toThrow(/--seed: the run has 0, this invocation 9/);
    await expect(runDurable(graphWith(100), { ...base, count: 4, outputDir })).rejects.toMatchObject({
      code: "RUN_MISMATCH",
      message: expect.stringContaining("workflow node #1 (Test.Source) input seed: 0 became 100"),
    });
  });

  it("--max-failures stops a systematically failing run with the commonest cause; the ledger stays consistent", async () => {
    const outputDir = folder();
    for (let s = 0; s < 20; s++) if (s % 5 !== 0) broken.add(s);
    try {
      runs.length = 0;
      const r = await runDurable(graphWith(), { ...base, concurrency: 2, maxFailures: 3, outputDir });
      expect(r.status).toBe("max_failures");
      expect(r.batch!.failed.length).toBeGreaterThan(3);
      expect(runs.length).toBeLessThan(20); // it stopped early
      expect(r.failures[0]).toMatchObject({ cause: "EXCEPTION at node #1 (Test.Source)" });
      expect(r.failures[0]!.example).toMatch(/no model for \d+/);
      const c = r.counts;
      expect(c.running).toBe(0);
      expect(c.done + c.filtered + c.failed + c.pending).toBe(20);
      expect(c.pending).toBe(20 - runs.length);
      const ledger = openLedgerReadOnly(join(outputDir, LEDGER_FILE));
      expect(ledger.info().finishedAt).toBeNull();
      for (const s of ledger.samples("failed")) expect(s.error).toMatchObject({ code: "EXCEPTION", nodeId: "1", classType: "Test.Source" });
      ledger.close();
    } finally {
      broken.clear();
    }
  });

  it("failed samples stay failed on resume unless --retry-failed, which reruns only them", async () => {
    const outputDir = folder();
    broken.add(2).add(6);
    const first = await runDurable(graphWith(), { ...base, outputDir });
    broken.clear();
    expect(first.counts).toMatchObject({ failed: 2, done: 14, filtered: 4 });
    runs.length = 0;
    expect((await runDurable(graphWith(), { ...base, outputDir })).status).toBe("already_complete");
    expect(runs).toEqual([]);
    const retried = await runDurable(graphWith(), { ...base, outputDir, retryFailed: true });
    expect(retried.plan).toMatchObject({ retried: 2, toRun: 2 });
    expect(runs.sort((a, b) => a - b)).toEqual([2, 6]);
    expect(retried.counts).toMatchObject({ failed: 0, done: 16, filtered: 4 });
    expect(retried.failures).toEqual([]);
  });

  it("an interrupt puts the samples in flight back to pending", async () => {
    const outputDir = folder();
    const controller = new AbortController();
    const r = await runDurable(graphWith(), {
      ...base,
      outputDir,
      signal: controller.signal,
      onSample: (_, finished) => {
        if (finished === 5) controller.abort(new Error("stop"));
      },
    });
    expect(r.status).toBe("interrupted");
    expect(r.counts.running).toBe(0);
    expect(r.counts.pending).toBe(20 - (r.counts.done + r.counts.filtered));
    const resumed = await runDurable(graphWith(), { ...base, outputDir });
    expect(resumed.status).toBe("completed");
    expect(resumed.counts).toMatchObject({ done: 16, filtered: 4 });
  });
});
