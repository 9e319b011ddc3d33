/**
 * A farm of fake ComfyUI servers failing in every way they do during a run of a few hundred
 * samples (a restart that loses the queue, 500s, dropped WebSockets): every sample completes
 * exactly once in the dataset and the run exits 0.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { expectWholeDataset, runImgdiff, writeSmallWorkflow } from "./farm-support.js";

const COUNT = 200;

describe("imgdiff run on a failing farm", () => {
  let fakes: FakeComfy[] = [];
  beforeAll(async () => {
    fakes = await Promise.all(Array.from({ length: 4 }, () => startFakeComfy({ promptMs: 5 })));
  });
  afterAll(async () => {
    await Promise.all(fakes.map((f) => f.close()));
  });

  it("completes every sample exactly once", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgdiff-farm-faults-"));
    const out = join(dir, "out");
    const [a, b, c, d] = fakes as [FakeComfy, FakeComfy, FakeComfy, FakeComfy];
    // Each fault fires once, when the run has recorded that many samples.
    const faults: Array<[number, () => unknown]> = [
      [15, () => a.restart({ loseQueue: true })],
      [40, () => b.faults.failNextRequests("/prompt", 3)],
      [60, () => c.faults.dropWebSockets()],
      [80, () => d.faults.failNextRequests("/history", 4)],
      [100, () => b.restart({ loseQueue: true })],
      [120, () => fakes.forEach((f) => f.faults.dropWebSockets())],
      [140, () => c.faults.failNextRequests("/upload/image", 3)],
      [160, () => d.restart({ loseQueue: true })],
    ];
    const fired: number[] = [];
    const r = await runImgdiff(
      ["run", writeSmallWorkflow(dir), "--count", String(COUNT), "--out", out, ...fakes.flatMap((f) => ["--server", f.url])],
      (records) => {
        while (faults.length > 0 && records >= faults[0]![0]) {
          const [at, fault] = faults.shift()!;
          fired.push(at);
          void fault();
        }
        return false;
      },
      out,
    );
    expect([...new Set(r.stderr.match(/failed: .*/g) ?? [])].map((m) => m.replace(/\d+/g, "N"))).toEqual([]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(fired).toHaveLength(8);
    await expectWholeDataset(out, COUNT);
  });
});
