// The local worker pool: our CPU-heavy nodes on worker threads give the same results, errors
// and datasets as on the main thread; other nodes never leave it.
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { isMainThread } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { createLocalPool } from "../../src/run/local-pool.js";
import { defineNode } from "../../src/nodes/define.js";
import { DifferenceArea, NODES, SyntheticScene, PromptPair } from "../../src/nodes/index.js";
import { createRegistry } from "../../src/nodes/registry.js";
import { runBatch } from "../../src/run/batch.js";
import { parsePrompt, prepareGraph } from "../../src/run/graph.js";
import { executeSample } from "../../src/run/execute-sample.js";
import { rgbImage, type Mask, type RgbImage } from "../../src/vision/image.js";
import type { ScoredBox } from "../../src/vision/box.js";

const pool = createLocalPool({ size: 2 });
afterAll(() => pool.close());

const tempDir = () => mkdtempSync(join(tmpdir(), "imgdiff-local-pool-"));
const ctx = (classType: string, nodeId = "7", sampleIndex = 3) => ({ nodeId, classType, sampleIndex, runSeed: 5, outputDir: tempDir() });
const mainContext = (classType: string) => ({
  ...ctx(classType),
  graph: { prompt: {}, objectInfo: {} },
  signal: new AbortController().signal,
  rng: () => {
    throw new Error("unused");
  },
  runState: () => {
    throw new Error("unused");
  },
});

async function scenePair(): Promise<{ a: RgbImage; b: RgbImage }> {
  const edit = await PromptPair.run({ edit: "replace", category: "any", seed: 4 }, mainContext(PromptPair.type));
  const scene = (await pool.run(SyntheticScene.type, { edit: (edit as { edit: unknown }).edit, seed: 9, size: "512", distractors: 3, perturb: true }, ctx(SyntheticScene.type))) as Record<string, RgbImage>;
  return { a: scene["image_a"]!, b: scene["image_b"]! };
}

describe("createLocalPool", () => {
  it("runs a node on a worker with the result it gives on the main thread, pixels included", async () => {
    const { a, b } = await scenePair();
    const inputs = { image_a: a, image_b: b, max_boxes: 5, min_area: 0.0025, nms_iou: 0.5 };
    const onWorker = (await pool.run(DifferenceArea.type, inputs, ctx(DifferenceArea.type))) as { boxes: ScoredBox[]; mask: Mask };
    const onMain = (await DifferenceArea.run(inputs, mainContext(DifferenceArea.type))) as { boxes: ScoredBox[]; mask: Mask };
    expect(onWorker.boxes.length).toBeGreaterThan(0);
    expect(onWorker.boxes).toEqual(onMain.boxes);
    expect(Buffer.from(onWorker.mask.data).equals(Buffer.from(onMain.mask.data))).toBe(true);
    // The inputs were copied, not moved: the caller's images are intact.
    expect(a.data.byteLength).toBe(512 * 512 * 3);
  });

  it("renders the same scene on a worker as on the main thread (same rng streams)", async () => {
    const edit = ((await PromptPair.run({ edit: "remove", category: "any", seed: 2 }, mainContext(PromptPair.type))) as { edit: unknown }).edit;
    const inputs = { edit, seed: 17, size: "512", distractors: 2, perturb: true };
    const onWorker = (await pool.run(SyntheticScene.type, inputs, ctx(SyntheticScene.type))) as Record<string, RgbImage>;
    const onMain = (await SyntheticScene.run(inputs, mainContext(SyntheticScene.type))) as Record<string, RgbImage>;
    for (const key of ["image_a", "image_b", "base", "mask"]) expect(Buffer.from(onWorker[key]!.data).equals(Buffer.from(onMain[key]!.data)), key).toBe(true);
    expect(onWorker["truth"]).toEqual(onMain["truth"]);
  });

  it("a node's error comes back with its code and message", async () => {
    const small = rgbImage(64, 64);
    const error = await pool.run(DifferenceArea.type, { image_a: rgbImage(128, 128), image_b: small, max_boxes: 5, min_area: 0.0025, nms_iou: 0.5 }, ctx(DifferenceArea.type)).catch((e: unknown) => e);
    const inline = await Promise.resolve()
      .then(() => DifferenceArea.run({ image_a: rgbImage(128, 128), image_b: small, max_boxes: 5, min_area: 0.0025, nms_iou: 0.5 }, mainContext(DifferenceArea.type)))
      .catch((e: unknown) => e);
    expect(inline).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe((inline as Error).message);
    expect((error as { code?: string }).code).toBe((inline as { code?: string }).code);
  });

  it("refuses a node that is not one of our offload nodes", async () => {
    await expect(pool.run("ImgDiff.DatasetWriter", {}, ctx("ImgDiff.DatasetWriter"))).rejects.toMatchObject({ code: "LOCAL_WORKER_UNKNOWN_NODE" });
  });

  it("an aborted task is rejected with the signal's reason; close() rejects the rest and refuses new ones", async () => {
    const own = createLocalPool({ size: 1 });
    const { a, b } = await scenePair();
    const inputs = { image_a: a, image_b: b, max_boxes: 5, min_area: 0.0025, nms_iou: 0.5 };
    const controller = new AbortController();
    const first = own.run(DifferenceArea.type, inputs, ctx(DifferenceArea.type));
    const queued = own.run(DifferenceArea.type, inputs, ctx(DifferenceArea.type), controller.signal);
    controller.abort(new Error("stop that one"));
    await expect(queued).rejects.toThrow("stop that one");
    await expect(first).resolves.toHaveProperty("boxes");
    const pending = own.run(DifferenceArea.type, inputs, ctx(DifferenceArea.type)).catch((e: unknown) => e);
    await own.close();
    expect(await pending).toMatchObject({ code: "LOCAL_POOL_CLOSED" });
    await expect(own.run(DifferenceArea.type, inputs, ctx(DifferenceArea.type))).rejects.toMatchObject({ code: "LOCAL_POOL_CLOSED" });
  });
});

describe("a pool whose threads cannot work", () => {
  it("threads that die before answering break the pool once; the samples run on the main thread", async () => {
    const broken: string[] = [];
    // A heap too small to load the node pack: every thread dies while booting.
    const starved = createLocalPool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 2, maxYoungGenerationSizeMb: 1 }, onBroken: (e) => broken.push(e.code) });
    try {
      const workflow = JSON.parse(readFileSync(join(import.meta.dirname, "../../workflows/synthetic-object-replacement.json"), "utf8")) as unknown;
      const graph = prepareGraph(parsePrompt(workflow), createRegistry(NODES));
      const summary = await runBatch(graph, { count: 5, concurrency: 2, runSeed: 1, outputDir: tempDir(), localPool: starved });
      expect(summary.failed).toEqual([]);
      expect(summary.count).toBe(5);
      expect(broken).toEqual(["LOCAL_POOL_BROKEN"]);
      await expect(starved.run(DifferenceArea.type, {}, ctx(DifferenceArea.type))).rejects.toMatchObject({ code: "LOCAL_POOL_BROKEN" });
    } finally {
      await starved.close();
    }
  }, 60_000);
});

describe("runBatch with a local pool", () => {
  const workflow = JSON.parse(readFileSync(join(import.meta.dirname, "../../workflows/synthetic-object-replacement.json"), "utf8")) as unknown;

  it("writes the same dataset, byte for byte, as a run on the main thread", async () => {
    const registry = createRegistry(NODES);
    const graph = prepareGraph(parsePrompt(workflow), registry);
    const withPool = tempDir();
    const without = tempDir();
    const a = await runBatch(graph, { count: 6, concurrency: 4, runSeed: 3, outputDir: withPool, localPool: pool });
    const b = await runBatch(graph, { count: 6, concurrency: 2, runSeed: 3, outputDir: without });
    expect(a.failed).toEqual([]);
    expect(a.accepted).toBe(b.accepted);
    const files = listFiles(withPool);
    expect(files.length).toBeGreaterThan(10);
    expect(files).toEqual(listFiles(without));
    for (const file of files) expect(readFileSync(join(withPool, file)).equals(readFileSync(join(without, file))), file).toBe(true);
  });

  it("a node someone else defined stays on the main thread, even if marked offload", async () => {
    const threads: boolean[] = [];
    const Mine = defineNode({
      type: "Test.Mine",
      category: "test",
      description: "records where it ran",
      offload: true,
      inputs: {},
      outputs: {},
      outputNode: true,
      run: () => {
        threads.push(isMainThread);
        return { ui: {} };
      },
    });
    const graph = prepareGraph(parsePrompt({ "1": { class_type: "Test.Mine", inputs: {} } }), createRegistry([Mine]));
    const outcome = await executeSample(graph, { sampleIndex: 0, runSeed: 0, outputDir: tempDir(), state: new Map(), localPool: pool });
    expect(outcome.status).toBe("done");
    expect(threads).toEqual([true]);
  });
});

function listFiles(dir: string, root = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path, root));
    else out.push(relative(root, path));
  }
  return out;
}
