/**
 * kill -9 of `imgdiff run` against a fake ComfyUI server at seeded random moments, resumed each
 * time: the run ends with every sample once, whole files, a ledger that matches the dataset,
 * and no prompt run more often than its sample was started.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../../src/util/rng.js";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { expectWholeDataset, runImgdiff, writeSmallWorkflow } from "./farm-support.js";

const COUNT = 30;

describe("imgdiff run --server: kill -9 and resume", () => {
  let fake: FakeComfy;
  beforeAll(async () => {
    fake = await startFakeComfy({ promptMs: 20 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it("ends with every sample once and no prompt run more often than its sample started", { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgdiff-farm-kill-"));
    const out = join(dir, "out");
    const args = ["run", writeSmallWorkflow(dir), "--count", String(COUNT), "--out", out, "--server", fake.url];
    const rng = createRng("farm-kill-test");
    let kills = 0;
    for (let attempt = 0; attempt < 12 && kills < 5; attempt++) {
      const more = rng.int(0, 6);
      let before: number | undefined;
      const r = await runImgdiff(args, (records) => records >= (before ??= records) + more, out);
      if (!r.killed) break; // the run finished before the kill
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(5);

    const final = await runImgdiff(args);
    expect(final.stderr).not.toMatch(/unexpected error/);
    expect(final.code).toBe(0);
    const samples = await expectWholeDataset(out, COUNT);

    // One prompt per sample attempt at most: a killed run's prompts may still run on the server
    // (it cannot know we died), but none twice, and never more than the samples were started.
    const executed = Object.values(fake.stats().executed);
    expect(Math.max(...executed)).toBe(1);
    const attempts = samples.reduce((sum, s) => sum + s.attempts, 0);
    expect(executed.length).toBeGreaterThanOrEqual(COUNT);
    expect(executed.length).toBeLessThanOrEqual(attempts);
  });
});
