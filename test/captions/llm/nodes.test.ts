import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isBlocked, type NodeContext } from "../../../src/nodes/define.js";
import { defaultRegistry } from "../../../src/nodes/index.js";
import { LLMCaptionEdit } from "../../../src/nodes/llm-caption-edit.js";
import { parsePrompt, prepareGraph } from "../../../src/run/graph.js";
import { executeSample } from "../../../src/run/execute-sample.js";
import { finalizeNodes } from "../../../src/run/batch.js";
import { createRng } from "../../../src/util/rng.js";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";

const KEY_ENV = "IMGDIFF_TEST_PLANTED_KEY";
const KEY = `sk-planted-${randomBytes(12).toString("hex")}`;
const CAPTION = "A dog sitting on a wooden bench in a sunny park.";

let fake: FakeLlm;
let editReply = "A cat sitting on a wooden bench in a sunny park.";
let echoAuth = false;
beforeAll(async () => {
  fake = await startFakeLlm({
    // A server that echoes the authorization header back in its error body: the worst case for leaks.
    intercept: (r) => (echoAuth ? { status: 401, text: `bad token: ${String(r.headers.authorization)}` } : undefined),
    answer: (call) => {
      if (call.prompt.startsWith("Here is a sentence")) return editReply;
      if (call.prompt.startsWith("Please provide")) {
        return `A thing ${createHash("sha256").update(call.images[0]!).digest("hex").slice(0, 8)}.`;
      }
      return "The left image shows one object while the right image shows another.";
    },
  });
  process.env[KEY_ENV] = KEY;
});
afterAll(async () => {
  delete process.env[KEY_ENV];
  await fake.close();
});
afterEach(() => {
  echoAuth = false;
});

const endpointWidgets = (url: string, api: "openai" | "ollama") => ({
  endpoint: url,
  api,
  api_key_env: KEY_ENV,
  timeout_seconds: 30,
  max_retries: 0,
  concurrency: 2,
});

function workflow(url: string, api: "openai" | "ollama", maxSimilarity = 0.85) {
  return parsePrompt({
    "1": { class_type: "ImgDiff.PromptPair", inputs: { seed: 0, edit: "replace", category: "any" } },
    "2": { class_type: "ImgDiff.SyntheticScene", inputs: { edit: ["1", 0], seed: 0, size: "512", distractors: 2, perturb: false } },
    "3": { class_type: "ImgDiff.DifferenceArea", inputs: { image_a: ["2", 0], image_b: ["2", 1], max_boxes: 5, min_area: 0.0025, nms_iou: 0.5 } },
    "4": {
      class_type: "ImgDiff.PairFilter",
      inputs: {
        image_a: ["2", 0], image_b: ["2", 1], boxes: ["3", 0], truth: ["2", 4],
        min_similarity: 0.5, max_similarity: 0.999, min_changed_area: 0.0025, max_changed_area: 0.25, max_boxes: 5, min_truth_iou: 0.5,
      },
    },
    "5": {
      class_type: "ImgDiff.VLMDifferenceCaption",
      inputs: {
        image_a: ["4", 0], image_b: ["4", 1], boxes: ["4", 2], edit: ["1", 0],
        ...endpointWidgets(url, api), model: "llava:7b", max_caption_similarity: maxSimilarity, embedding_model: "",
      },
    },
    "7": {
      class_type: "ImgDiff.LLMCaptionEdit",
      inputs: { caption: CAPTION, ...endpointWidgets(url, api), model: "qwen2.5:7b", temperature: 0.8, seed: 5 },
    },
    "6": {
      class_type: "ImgDiff.DatasetWriter",
      inputs: { image_a: ["4", 0], image_b: ["4", 1], edit: ["7", 0], captions: ["5", 0], scores: ["4", 3], image_format: "png", side_by_side: true, subfolder: "" },
    },
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function runOnce(url: string, api: "openai" | "ollama", maxSimilarity?: number) {
  const outputDir = mkdtempSync(join(tmpdir(), "imgdiff-llm-nodes-"));
  const graph = prepareGraph(workflow(url, api, maxSimilarity), defaultRegistry());
  const state = new Map();
  const outcome = await executeSample(graph, { sampleIndex: 0, runSeed: 1, outputDir, state });
  const finalized = outcome.status === "done" ? await finalizeNodes(graph, outputDir, state) : {};
  return { outcome, finalized, outputDir };
}

describe("the model-backed nodes in a graph", () => {
  it("runs a sample end to end with both nodes, and the planted key appears in no output file", { timeout: 30_000 }, async () => {
    const before = fake.requests.length;
    const { outcome, outputDir } = await runOnce(fake.url, "ollama");
    expect(outcome.status).toBe("done");
    const sent = fake.requests.slice(before);
    expect(sent.map((r) => r.path)).toContain("/api/chat");
    expect(sent.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const files = filesUnder(outputDir);
    expect(files.length).toBeGreaterThan(2);
    const all = files.map((f) => readFileSync(f).toString("latin1")).join("\n");
    expect(all).toContain("The left image shows one object while the right image shows another.");
    expect(all).toContain('"target_object":"cat"');
    expect(all).not.toContain(KEY);
    expect(JSON.stringify(outcome)).not.toContain(KEY);
  });

  it("fails the sample without the key in the error when the server echoes it back", async () => {
    echoAuth = true;
    const { outcome } = await runOnce(fake.url, "openai");
    expect(outcome.status).toBe("failed");
    if (outcome.status !== "failed") return;
    expect(outcome.error.message).toMatch(/HTTP 401: bad token: Bearer \[redacted\]/);
    expect(outcome.error.message).toMatch(/check the key in the variable named by api_key_env, "IMGDIFF_TEST_PLANTED_KEY"/);
    const everything = [outcome.error.message, String(outcome.error.stack), JSON.stringify(outcome), String((outcome.error.cause as Error).message)].join("\n");
    expect(everything).not.toContain(KEY);
  });

  it("refuses an endpoint from the workflow that is not loopback or allowed", async () => {
    const before = fake.requests.length;
    const { outcome } = await runOnce("http://198.51.100.7:11434", "ollama");
    expect(outcome.status).toBe("failed");
    if (outcome.status !== "failed") return;
    expect(outcome.error.message).toMatch(/http:\/\/198\.51\.100\.7:11434 is not an allowed model endpoint/);
    expect(outcome.error.message).toMatch(/IMGDIFF_ALLOW_ENDPOINTS/);
    expect(fake.requests.length).toBe(before);
  });

  it("filters the sample when every box's captions are too alike", async () => {
    const { outcome } = await runOnce(fake.url, "openai", 0.1);
    expect(outcome).toMatchObject({ status: "filtered", reason: "captions_similar", classType: "ImgDiff.VLMDifferenceCaption" });
  });
});

describe("ImgDiff.LLMCaptionEdit run()", () => {
  const context: NodeContext = {
    nodeId: "7",
    classType: LLMCaptionEdit.type,
    sampleIndex: 0,
    runSeed: 0,
    outputDir: tmpdir(),
    graph: { prompt: {}, objectInfo: {} },
    signal: new AbortController().signal,
    rng: (label = "") => createRng("test", label),
    runState: <T>(create: () => T) => create(),
  };
  const inputs = (extra: Record<string, unknown> = {}) => ({
    caption: CAPTION,
    ...endpointWidgets(fake.url, "openai"),
    model: "qwen2.5:7b",
    temperature: 0.8,
    seed: 1,
    ...extra,
  });

  it("outputs the edit and both prompts", async () => {
    editReply = "A horse sitting on a wooden bench in a sunny park.";
    const result = await LLMCaptionEdit.run(inputs(), context);
    expect(result).toMatchObject({
      edit: { kind: "replace", source: "dog", target: "horse", category: "animal" },
      source_prompt: CAPTION,
      edited_prompt: "A horse sitting on a wooden bench in a sunny park.",
    });
  });

  it("blocks with the filter's reason when the answer is rejected", async () => {
    editReply = "The dog has become a horse.";
    const result = await LLMCaptionEdit.run(inputs(), context);
    expect(isBlocked(result)).toBe(true);
    expect(result).toMatchObject({ reason: "caption_edit_meta_words", detail: { answer: "The dog has become a horse." } });
  });

  it("declares the endpoint widgets with the key variable's NAME as the default", () => {
    const info = defaultRegistry().objectInfo()["ImgDiff.LLMCaptionEdit"]!;
    expect(info.input.required!["api_key_env"]).toEqual(["STRING", expect.objectContaining({ default: "IMGDIFF_API_KEY" })]);
    expect(info.input.required!["api"]![0]).toEqual(["openai", "ollama"]);
    expect(Object.keys(info.input.required!)).toEqual(
      expect.arrayContaining(["caption", "endpoint", "model", "timeout_seconds", "max_retries", "concurrency", "seed"]),
    );
  });
});
