import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lastJson, runExample } from "./support.js";

describe("examples/run-workflow.ts", () => {
  it("runs the shared replacement workflow from code and writes a dataset", { timeout: 60_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), "imgdiff-example-run-"));
    const { stdout } = await runExample("run-workflow", [out, "3", "7"]);
    expect(stdout.match(/^sample \d: \w+ \(\d\/3\)$/gm)).toHaveLength(3);
    const summary = lastJson(stdout) as { accepted: number; filtered: Record<string, number>; failed: number; dataset: Record<string, { samples: number }> };
    expect(summary.failed).toBe(0);
    expect(summary.accepted + Object.values(summary.filtered).reduce((a, b) => a + b, 0)).toBe(3);
    expect(summary.accepted).toBeGreaterThan(0);
    expect(summary.dataset["6"]!.samples).toBe(summary.accepted);
    const records = JSON.parse(readFileSync(join(out, "img_diff_object_replacement.json"), "utf8")) as unknown[];
    expect(records).toHaveLength(summary.accepted);
    expect(existsSync(join(out, "llava.json"))).toBe(true);
  });

  it("prints its usage and exits non-zero without an output folder", async () => {
    await expect(runExample("run-workflow", [])).rejects.toThrow(/usage: run-workflow.ts OUTPUT_DIR/);
  });
});
