// The package as users install it: built by tsup (the options of `npm run build`), its command
// run by plain Node, its local worker threads found next to the bundle.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "tsup";
import { packageOptions } from "../../scripts/build-package.js";

const root = resolve(import.meta.dirname, "../..");
// Inside the project, so the bundle resolves its dependencies from node_modules as in a real install.
mkdirSync(join(root, ".imgdiff-tmp"), { recursive: true });
const dir = mkdtempSync(join(root, ".imgdiff-tmp", "built-"));
const dist = join(dir, "dist");

beforeAll(async () => {
  await build({ ...packageOptions(dist, false), silent: true });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the built package", () => {
  it("imgdiff run works from dist/ with its worker threads", () => {
    const out = join(dir, "out");
    const run = spawnSync(process.execPath, [join(dist, "cli/main.js"), "run", join(root, "workflows/synthetic-object-replacement.json"), "--count", "4", "--out", out, "--seed", "2", "--local-workers", "2"], { encoding: "utf8" });
    expect(run.stderr).not.toMatch(/failed:|LOCAL_WORKER/);
    expect(run.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, "run-summary.json"), "utf8")) as { run: { done: number; filtered: number; failed: number } };
    expect(summary.run.failed).toBe(0);
    expect(summary.run.done + summary.run.filtered).toBe(4);
  }, 60_000);

  it("the library's local pool runs a node on a worker thread", async () => {
    const lib = (await import(pathToFileURL(join(dist, "index.js")).href)) as typeof import("../../src/index.js");
    const pool = lib.createLocalPool({ size: 1 });
    try {
      const image = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3) };
      const result = await pool.run("ImgDiff.DifferenceArea", { image_a: image, image_b: image, max_boxes: 5, min_area: 0.0025, nms_iou: 0.5 }, { nodeId: "1", classType: "ImgDiff.DifferenceArea", sampleIndex: 0, runSeed: 0, outputDir: dir });
      expect(result).toMatchObject({ boxes: [] });
    } finally {
      await pool.close();
    }
  });
});
