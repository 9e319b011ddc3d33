/**
 * The hybrid executor end to end against the fake ComfyUI server's SDXL-shaped nodes: the SDXL
 * Img-Diff workflows run through the library (one client, and a pool of two servers) and
 * through `imgdiff run --server`, with the errors a user meets (no server, missing checkpoint,
 * a failing ComfyUI node).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComfyClient } from "../../src/client/client.js";
import { ServerPool } from "../../src/client/pool.js";
import type { ApiPrompt } from "../../src/graph/api-prompt.js";
import { unionObjectInfo } from "../../src/graph/union-info.js";
import { defineNode } from "../../src/nodes/define.js";
import { boolean, image, maskInput, output } from "../../src/nodes/inputs.js";
import { blocked } from "../../src/nodes/define.js";
import { mask, rgbImage } from "../../src/vision/image.js";
import type { RemoteRunner } from "../../src/run/remote-stage.js";
import type { PromptSource } from "../../src/client/client.js";
import type { RunOptions } from "../../src/client/run-prompt.js";
import { NODES } from "../../src/nodes/index.js";
import { createRegistry } from "../../src/nodes/registry.js";
import { runBatch } from "../../src/run/batch.js";
import { executeSample } from "../../src/run/execute-sample.js";
import { parsePrompt, prepareGraph } from "../../src/run/graph.js";
import type { Mask, RgbImage } from "../../src/vision/image.js";
import { runCli } from "../support/cli.js";
import { DEFAULT_CHECKPOINTS, startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";

const root = join(import.meta.dirname, "../..");
const api = (name: string) => JSON.parse(readFileSync(join(root, "workflows", name), "utf8")) as ApiPrompt;
const tempDir = () => mkdtempSync(join(tmpdir(), "imgdiff-hybrid-"));

interface Captured {
  base: RgbImage;
  a: RgbImage;
  b: RgbImage;
  mask: Mask;
}
const captured: Captured[] = [];
/** Records what reaches our side of the border. */
const Capture = defineNode({
  type: "Test.Capture",
  category: "test",
  description: "keeps the images",
  inputs: { base: image(), a: image(), b: image(), mask: maskInput() },
  outputs: {},
  outputNode: true,
  run: ({ base, a, b, mask }) => {
    captured.push({ base, a, b, mask });
    return {};
  },
});
/** A small image with known pixels. */
const Gradient = defineNode({
  type: "Test.Gradient",
  category: "test",
  description: "a 32x16 gradient",
  inputs: { block: boolean({ default: false }) },
  outputs: { image: output("IMAGE") },
  run: ({ block }) => {
    if (block) return blocked("blocked_on_purpose");
    const img = rgbImage(32, 16);
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 5) % 256;
    return { image: img };
  },
});
/** The gradient and a rectangle mask of the same size. */
const Spot = defineNode({
  type: "Test.Spot",
  category: "test",
  description: "a 32x16 gradient and a mask of its left half",
  inputs: {},
  outputs: { image: output("IMAGE"), mask: output("MASK") },
  run: () => {
    const img = rgbImage(32, 16);
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 5) % 256;
    const m = mask(32, 16);
    for (let p = 0; p < m.data.length; p++) m.data[p] = p % 32 < 16 ? 255 : 0;
    return { image: img, mask: m };
  },
});
const pixels: Array<{ image: RgbImage; mask: Mask }> = [];
const Pixels = defineNode({
  type: "Test.Pixels",
  category: "test",
  description: "keeps an image and a mask",
  inputs: { image: image(), mask: maskInput() },
  outputs: {},
  outputNode: true,
  run: ({ image, mask }) => {
    pixels.push({ image, mask });
    return {};
  },
});
const registry = createRegistry([...NODES, Capture, Gradient, Spot, Pixels]);

/** Counts the prompts a runner has in flight at once. */
function countingRunner(client: ComfyClient): RemoteRunner & { most: number } {
  let now = 0;
  const runner = {
    most: 0,
    async run(prompt: PromptSource, options?: RunOptions) {
      runner.most = Math.max(runner.most, ++now);
      try {
        return await client.run(prompt, options);
      } finally {
        now--;
      }
    },
  };
  return runner;
}

/** The replacement workflow at 256 px, with the base, A, B and the region captured. */
function replacementWithCapture(): ApiPrompt {
  const prompt = api("sdxl-object-replacement.api.json");
  prompt["4"]!.inputs["width"] = 256;
  prompt["4"]!.inputs["height"] = 256;
  prompt["90"] = { class_type: "Test.Capture", inputs: { base: ["15", 0], a: ["24", 0], b: ["34", 0], mask: ["4", 0] } };
  return prompt;
}

describe("hybrid runs on the fake ComfyUI server", () => {
  let fake: FakeComfy;
  let client: ComfyClient;
  beforeAll(async () => {
    fake = await startFakeComfy();
    client = new ComfyClient({ baseUrl: fake.url });
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  it("one ComfyUI prompt per sample; A and B equal the base outside the region and differ inside it", async () => {
    const serverInfo = await client.objectInfo();
    const graph = prepareGraph(replacementWithCapture(), registry, "replacement", serverInfo);
    captured.length = 0;
    const before = fake.stats().submitted;
    const outcome = await executeSample(graph, { sampleIndex: 0, runSeed: 7, outputDir: tempDir(), state: new Map(), runner: client });
    expect(outcome.status).not.toBe("failed");
    expect(fake.stats().submitted - before).toBe(1);
    const { base, a, b, mask } = captured[0]!;
    expect([a.width, a.height, mask.width]).toEqual([256, 256, 256]);
    let inside = 0;
    let differsInside = 0;
    for (let p = 0; p < mask.data.length; p++) {
      const px = (img: RgbImage) => `${img.data[p * 3]},${img.data[p * 3 + 1]},${img.data[p * 3 + 2]}`;
      if (mask.data[p] === 0) {
        expect(px(a)).toBe(px(base));
        expect(px(b)).toBe(px(base));
      } else {
        inside++;
        if (px(a) !== px(b)) differsInside++;
      }
    }
    expect(inside).toBeGreaterThan(0.02 * mask.data.length);
    expect(differsInside / inside).toBeGreaterThan(0.5);
  });

  it("the same seed gives the same images; the next sample another region and other objects", async () => {
    const serverInfo = await client.objectInfo();
    const graph = prepareGraph(replacementWithCapture(), registry, "replacement", serverInfo);
    captured.length = 0;
    for (const sampleIndex of [0, 0, 1]) await executeSample(graph, { sampleIndex, runSeed: 3, outputDir: tempDir(), state: new Map(), runner: client });
    const [first, again, next] = captured;
    expect(Buffer.from(again!.a.data).equals(Buffer.from(first!.a.data))).toBe(true);
    expect(Buffer.from(next!.mask.data).equals(Buffer.from(first!.mask.data))).toBe(false);
    expect(Buffer.from(next!.base.data).equals(Buffer.from(first!.base.data))).toBe(false);
  });

  it("a local image goes up through LoadImage, and remote images and masks come back", async () => {
    const prompt: ApiPrompt = {
      "1": { class_type: "Test.Gradient", inputs: { block: false } },
      "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
      "3": { class_type: "ImageToMask", inputs: { image: ["2", 0], channel: "red" } },
      "4": { class_type: "Test.Pixels", inputs: { image: ["2", 0], mask: ["3", 0] } },
    };
    const graph = prepareGraph(prompt, registry, "pixels", await client.objectInfo());
    pixels.length = 0;
    const outcome = await executeSample(graph, { sampleIndex: 0, runSeed: 0, outputDir: tempDir(), state: new Map(), runner: client });
    expect(outcome.status).toBe("done");
    const { image: inverted, mask } = pixels[0]!;
    expect([inverted.width, inverted.height]).toEqual([32, 16]);
    // ComfyUI works in float32 and SaveImage/PreviewImage truncate to 8 bits: off by one at most.
    for (let i = 0; i < inverted.data.length; i++) expect(Math.abs(inverted.data[i]! - (255 - ((i * 5) % 256)))).toBeLessThanOrEqual(1);
    // The mask is the inverted red channel, thresholded at one half when it comes back.
    for (let p = 0; p < mask.data.length; p++) expect(mask.data[p]).toBe(inverted.data[p * 3]! >= 128 ? 255 : 0);
  });

  it("a local mask the size of a local image rides in that image's alpha: one upload, one LoadImage, both exact", async () => {
    // One stage: the inverted image pasted over the original where the inverted mask is set.
    const prompt: ApiPrompt = {
      "1": { class_type: "Test.Spot", inputs: {} },
      "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
      "3": { class_type: "InvertMask", inputs: { mask: ["1", 1] } },
      "5": { class_type: "ImageCompositeMasked", inputs: { destination: ["1", 0], source: ["2", 0], x: 0, y: 0, resize_source: false, mask: ["3", 0] } },
      "4": { class_type: "Test.Pixels", inputs: { image: ["5", 0], mask: ["3", 0] } },
    };
    const graph = prepareGraph(prompt, registry, "spot", await client.objectInfo());
    const sent: ApiPrompt[] = [];
    const recording: RemoteRunner = {
      run: (source, options) =>
        client.run(async (server, signal) => {
          const built = await source(server, signal);
          sent.push(built);
          return built;
        }, options),
    };
    pixels.length = 0;
    const outcome = await executeSample(graph, { sampleIndex: 0, runSeed: 0, outputDir: tempDir(), state: new Map(), runner: recording });
    expect(outcome.status).toBe("done");
    expect(sent).toHaveLength(1);
    const loaders = Object.values(sent[0]!).filter((n) => n.class_type.startsWith("LoadImage"));
    expect(loaders.map((n) => n.class_type)).toEqual(["LoadImage"]);
    const { image: pasted, mask: inverse } = pixels[0]!;
    // InvertMask of the left half: the right half, exactly.
    for (let p = 0; p < inverse.data.length; p++) expect(inverse.data[p]).toBe(p % 32 < 16 ? 0 : 255);
    // The original image on the left, the inverted one on the right (8-bit rounding: off by one at most).
    for (let i = 0; i < pasted.data.length; i++) {
      const original = (i * 5) % 256;
      const expected = Math.floor(i / 3) % 32 < 16 ? original : 255 - original;
      expect(Math.abs(pasted.data[i]! - expected)).toBeLessThanOrEqual(1);
    }
  });

  it("a dynamic prompt is resolved for each sample, reproducibly, as the editor resolves it at each queue", async () => {
    const prompt = replacementWithCapture();
    prompt["12"]!.inputs["text"] = "{blurry|lowres|watermark}, {dark|flat} // the negative prompt";
    const graph = prepareGraph(prompt, registry, "dynamic", await client.objectInfo());
    const texts = async (runSeed: number) => {
      const sent: string[] = [];
      const recording: RemoteRunner = {
        run: (source, options) =>
          client.run(async (server, signal) => {
            const built = await source(server, signal);
            sent.push(built["12"]!.inputs["text"] as string);
            return built;
          }, options),
      };
      for (let index = 0; index < 6; index++) await executeSample(graph, { sampleIndex: index, runSeed, outputDir: tempDir(), state: new Map(), runner: recording });
      return sent;
    };
    const first = await texts(5);
    for (const text of first) expect(text).toMatch(/^(blurry|lowres|watermark), (dark|flat) $/);
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await texts(5)).toEqual(first);
  });

  it("independent remote stages of a sample are in flight together", async () => {
    const branch = (first: number, text: string) => ({
      [first]: { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "sd_xl_base_1.0.safetensors" } },
      [first + 1]: { class_type: "CLIPTextEncode", inputs: { text, clip: [String(first), 1] } },
      [first + 2]: { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
      [first + 3]: { class_type: "KSampler", inputs: { seed: 1, steps: 2, cfg: 7, sampler_name: "euler", scheduler: "normal", denoise: 1, model: [String(first), 0], positive: [String(first + 1), 0], negative: [String(first + 1), 0], latent_image: [String(first + 2), 0] } },
      [first + 4]: { class_type: "VAEDecode", inputs: { samples: [String(first + 3), 0], vae: [String(first), 2] } },
    });
    const prompt = {
      ...branch(10, "a cat"),
      ...branch(20, "a dog"),
      "30": { class_type: "ImageToMask", inputs: { image: ["24", 0], channel: "green" } },
      "31": { class_type: "Test.Pixels", inputs: { image: ["14", 0], mask: ["30", 0] } },
    } as ApiPrompt;
    const graph = prepareGraph(prompt, registry, "branches", await client.objectInfo());
    expect(graph.plan.stages).toHaveLength(2);
    const runner = countingRunner(client);
    const outcome = await executeSample(graph, { sampleIndex: 0, runSeed: 0, outputDir: tempDir(), state: new Map(), runner });
    expect(outcome.status).toBe("done");
    expect(runner.most).toBe(2);
  });

  it("a blocked local value blocks the remote stage it feeds: filtered, and nothing is sent", async () => {
    const prompt: ApiPrompt = {
      "1": { class_type: "Test.Gradient", inputs: { block: true } },
      "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
      "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "never" } },
    };
    const graph = prepareGraph(prompt, registry, "blocked", await client.objectInfo());
    const before = fake.stats().submitted;
    const outcome = await executeSample(graph, { sampleIndex: 0, runSeed: 0, outputDir: tempDir(), state: new Map(), runner: client });
    expect(outcome).toMatchObject({ status: "filtered", reason: "blocked_on_purpose", nodeId: "1" });
    expect(fake.stats().submitted).toBe(before);
  });

  it("the removal workflow runs end to end and writes removal samples", async () => {
    const prompt = api("sdxl-object-removal.api.json");
    prompt["4"]!.inputs["width"] = 256;
    prompt["4"]!.inputs["height"] = 256;
    const graph = prepareGraph(prompt, registry, "removal", await client.objectInfo());
    const summary = await runBatch(graph, { count: 2, concurrency: 2, outputDir: tempDir(), runner: client });
    expect(summary.failed).toEqual([]);
    expect(summary.accepted).toBeGreaterThan(0);
    expect(summary.finalized["43"]).toMatchObject({ removal: summary.accepted, replacement: 0 });
  });

  it("a failing ComfyUI node fails the sample naming that node", async () => {
    const failing = await startFakeComfy();
    const failingClient = new ComfyClient({ baseUrl: failing.url });
    try {
      failing.faults.failNode("InpaintModelConditioning", "CUDA out of memory");
      const graph = prepareGraph(replacementWithCapture(), registry, "replacement", await failingClient.objectInfo());
      const outcome = await executeSample(graph, { sampleIndex: 0, runSeed: 0, outputDir: tempDir(), state: new Map(), runner: failingClient });
      expect(outcome.status).toBe("failed");
      if (outcome.status !== "failed") return;
      expect(outcome.error.classType).toBe("InpaintModelConditioning");
      expect(["21", "31"]).toContain(outcome.error.nodeId);
      expect(outcome.error.message).toContain("CUDA out of memory");
    } finally {
      await failingClient.close();
      await failing.close();
    }
  });

  it("without a runner, a graph with ComfyUI nodes is refused before any sample", async () => {
    const graph = prepareGraph(replacementWithCapture(), registry, "replacement", await client.objectInfo());
    await expect(runBatch(graph, { count: 1, outputDir: tempDir() })).rejects.toThrow(/ComfyUI nodes \(CLIPTextEncode, CheckpointLoaderSimple, .*\).*--server URL/);
  });

  it("samples spread over a pool of two servers, each input uploaded only to the server that runs it", async () => {
    const dirs = [tempDir(), tempDir()];
    const first = await startFakeComfy({ dir: dirs[0]! });
    const second = await startFakeComfy({ dir: dirs[1]! });
    const pool = new ServerPool({ servers: [first.url, second.url] });
    try {
      const graph = prepareGraph(replacementWithCapture(), registry, "replacement", await client.objectInfo());
      const summary = await runBatch(graph, { count: 6, concurrency: 6, runSeed: 11, outputDir: tempDir(), runner: pool });
      expect(summary.failed).toEqual([]);
      expect(summary.count).toBe(6);
      const submitted = [first.stats().submitted, second.stats().submitted];
      expect(submitted[0]! + submitted[1]!).toBe(6);
      expect(Math.min(...submitted)).toBeGreaterThan(0);
      // One mask (the object region) per sample, each on the one server that ran its prompt.
      const uploads = dirs.map((dir) => readdirSync(join(dir, "input", "imgdiff")).length);
      expect(uploads).toEqual(submitted);
    } finally {
      await pool.close();
      await Promise.all([first.close(), second.close()]);
    }
  });

  describe("imgdiff run --server", () => {
    it("runs the UI-format replacement workflow and writes a dataset", async () => {
      const out = tempDir();
      const r = await runCli(["run", "workflows/sdxl-object-replacement.json", "--count", "2", "--out", out, "--server", fake.url]);
      expect(r.stderr).not.toContain("failed:");
      expect(r.code).toBe(0);
      const summary = JSON.parse(readFileSync(join(out, "run-summary.json"), "utf8"));
      expect(summary.run.done + summary.run.filtered).toBe(2);
      expect(summary.run.failed).toBe(0);
      const lines = readFileSync(join(out, "metadata.jsonl"), "utf8").trim().split("\n").filter(Boolean);
      expect(lines.length).toBe(summary.run.done);
      expect(lines.length).toBeGreaterThan(0);
      expect(JSON.parse(lines[0]!).kind).toBe("replace");
    }, 60_000);

    it("a graph with ComfyUI nodes and no --server: names the ComfyUI node types", async () => {
      const r = await runCli(["run", "workflows/sdxl-prompt-swap.json", "--out", tempDir()]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        "workflows/sdxl-prompt-swap.json has ComfyUI nodes (CLIPTextEncode, CheckpointLoaderSimple, EmptyLatentImage, KSampler, VAEDecode), which run on a ComfyUI server: give one with --server URL",
      );
    });

    it("no server answering: says which servers were tried", async () => {
      const r = await runCli(["run", "workflows/sdxl-object-removal.json", "--out", tempDir(), "--server", "http://127.0.0.1:9"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("no ComfyUI server answered GET /object_info:\n  - http://127.0.0.1:9: ");
    });

    it("a checkpoint the server lacks: names the file and lists the server's checkpoints", async () => {
      const dir = tempDir();
      const file = join(dir, "missing-model.json");
      const prompt = api("sdxl-object-replacement.api.json");
      prompt["10"]!.inputs["ckpt_name"] = "sd_xl_turbo_1.0.safetensors";
      writeFileSync(file, JSON.stringify(prompt));
      const r = await runCli(["run", file, "--out", join(dir, "out"), "--server", fake.url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`node #10 (CheckpointLoaderSimple): ckpt_name 'sd_xl_turbo_1.0.safetensors' is not on the server (it has: ${DEFAULT_CHECKPOINTS.join(", ")})`);
    });
  });
});

describe("the SDXL workflow files", () => {
  const server = JSON.parse(readFileSync(join(root, "test/fixtures/comfyui-0.3.64/object_info.json"), "utf8"));
  const info = unionObjectInfo(server, registry.objectInfo());

  /** Control modes of seeds fed by a link mean nothing; the editor keeps one anyway. */
  function withoutLinkedControls(prompt: ApiPrompt): ApiPrompt {
    const copy = structuredClone(prompt);
    for (const node of Object.values(copy)) {
      const controls = node._meta?.control_after_generate;
      if (!controls) continue;
      for (const name of Object.keys(controls)) if (Array.isArray(node.inputs[name])) delete controls[name];
      if (Object.keys(controls).length === 0) delete node._meta!.control_after_generate;
    }
    return copy;
  }

  for (const name of ["sdxl-object-replacement", "sdxl-object-removal", "sdxl-prompt-swap"]) {
    it(`${name}.json is the UI form of ${name}.api.json`, () => {
      const ui = JSON.parse(readFileSync(join(root, "workflows", `${name}.json`), "utf8"));
      expect(ui.nodes.length).toBeGreaterThan(10);
      expect(withoutLinkedControls(parsePrompt(ui, name, info))).toEqual(api(`${name}.api.json`));
    });
  }
});
