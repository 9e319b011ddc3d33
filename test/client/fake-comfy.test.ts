// ComfyClient against the project's fake ComfyUI server (test/support/fake-comfy).
import { randomUUID } from "node:crypto";
import nodeFetch from "node-fetch";
import sharp from "sharp";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComfyClient } from "../../src/client/client.js";
import {
  ComfyAbortError,
  ComfyExecutionError,
  ComfyHttpError,
  ComfyInterruptedError,
  ComfyTimeoutError,
  ComfyValidationError,
} from "../../src/client/errors.js";
import type { RunProgress } from "../../src/client/watch.js";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { startDelayProxy } from "../support/delay-proxy.js";
import { until } from "./stub-server.js";

let fake: FakeComfy;
const clients: ComfyClient[] = [];
const client = (options: Partial<ConstructorParameters<typeof ComfyClient>[0]> = {}): ComfyClient => {
  const c = new ComfyClient({ baseUrl: fake.url, ...options });
  clients.push(c);
  return c;
};

beforeAll(async () => {
  fake = await startFakeComfy({ executionMs: 0 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await fake.close();
});

/** EmptyImage (a colour unique to `n`, so nothing is cached) → SaveImage. */
const empty = (n: number, extra: Record<string, unknown> = {}) => ({
  "1": { class_type: "EmptyImage", inputs: { width: 16, height: 8, batch_size: 1, color: n } },
  "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "client/e" } },
  ...extra,
});
const invert = {
  "1": { class_type: "LoadImage", inputs: { image: "example.png" } },
  "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
  "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "client/inv" } },
  "4": { class_type: "PreviewImage", inputs: { images: ["1", 0] } },
};
const executedOnce = (promptId: string) => expect(fake.stats().executed[promptId]).toBe(1);
const rawPixels = async (bytes: Uint8Array) => sharp(bytes).removeAlpha().raw().toBuffer();

describe("ComfyClient on the fake server", () => {
  it("collects every output node with the right pixels", async () => {
    const result = await client().run(invert);
    expect(Object.keys(result.outputs).sort()).toEqual(["3", "4"]);
    const saved = result.outputs["3"]!.images[0]!;
    const preview = result.outputs["4"]!.images[0]!;
    expect(saved).toMatchObject({ subfolder: "client", type: "output" });
    expect(preview.type).toBe("temp");
    const [a, b] = await Promise.all([rawPixels(saved.bytes), rawPixels(preview.bytes)]);
    expect(a.length).toBe(b.length);
    // ComfyUI converts through float32 and truncates, so 1 - x can land one below 255 - x.
    expect(a.every((value, i) => value + b[i]! >= 254 && value + b[i]! <= 255)).toBe(true);
    expect(a.some((value, i) => value !== b[i])).toBe(true);
    executedOnce(result.promptId);
  });

  it("reports progress per prompt and node, with previews naming the prompt", async () => {
    const sdxl = await startFakeComfy({ executionMs: 60, previewMethod: "auto" });
    const c = new ComfyClient({ baseUrl: sdxl.url });
    try {
      const events: RunProgress[] = [];
      const result = await c.run(
        {
          "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "sd_xl_base_1.0.safetensors" } },
          "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
          "6": { class_type: "CLIPTextEncode", inputs: { text: "a red bicycle", clip: ["4", 1] } },
          "7": { class_type: "CLIPTextEncode", inputs: { text: "blurry", clip: ["4", 1] } },
          "3": { class_type: "KSampler", inputs: { seed: 1, steps: 3, cfg: 7, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] } },
          "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
          "9": { class_type: "SaveImage", inputs: { filename_prefix: "client/sdxl", images: ["8", 0] } },
        },
        { onProgress: (event) => events.push(event) },
      );
      expect(events.every((e) => e.promptId === result.promptId)).toBe(true);
      const steps = events.filter((e) => e.kind === "progress");
      expect(steps.map((e) => `${e.node}:${e.value}/${e.max}`)).toEqual(["3:1/3", "3:2/3", "3:3/3"]);
      const previews = events.filter((e) => e.kind === "preview");
      expect(previews.length).toBe(3);
      expect(previews.every((e) => e.node === "3" && e.mime === "image/jpeg" && e.bytes[0] === 0xff)).toBe(true);
      expect(events.filter((e) => e.kind === "executing").map((e) => e.node)).toContain("3");
      expect(events.some((e) => e.kind === "nodes" && e.nodes["3"]?.state === "finished")).toBe(true);
      expect(result.outputs["9"]!.images[0]!.bytes.byteLength).toBeGreaterThan(8);
    } finally {
      await c.close();
      await sdxl.close();
    }
  });

  it("does not hang on cached prompts or on events that arrive before the POST's reply", async () => {
    const c = client({ timeouts: { pollIntervalMs: 60_000 } });
    fake.faults.eventsBeforeReply(true);
    try {
      const first = await c.run(empty(1), { timeoutMs: 10_000 });
      const cached = await c.run(empty(1), { timeoutMs: 10_000 });
      expect(cached.outputs["2"]!.images[0]!.filename).toBe(first.outputs["2"]!.images[0]!.filename);
      expect(cached.outputs["2"]!.images[0]!.bytes).toEqual(first.outputs["2"]!.images[0]!.bytes);
    } finally {
      fake.faults.eventsBeforeReply(false);
    }
  });

  it("survives repeated WebSocket drops and still gets every result", async () => {
    const slow = await startFakeComfy({ nodeDelayMs: 20 });
    const c = new ComfyClient({ baseUrl: slow.url, reconnect: { initialMs: 5, maxMs: 50 } });
    try {
      const runs = Array.from({ length: 6 }, (_, i) => c.run(empty(100 + i), { timeoutMs: 20_000 }));
      for (let drop = 0; drop < 5; drop++) {
        await until(() => c.session.opens > drop && c.session.state === "open", 5_000, `reconnect ${drop}`);
        slow.faults.dropWebSockets();
      }
      const results = await Promise.all(runs);
      for (const r of results) {
        expect(r.outputs["2"]!.images).toHaveLength(1);
        expect(slow.stats().executed[r.promptId]).toBe(1);
      }
      expect(c.session.opens).toBeGreaterThanOrEqual(5);
    } finally {
      await c.close();
      await slow.close();
    }
  });

  it("ignores another client's execution error", async () => {
    const slow = await startFakeComfy({ nodeDelayMs: 60 });
    try {
      const c = new ComfyClient({ baseUrl: slow.url });
      clients.push(c);
      const pending = c.run(empty(7), { timeoutMs: 10_000 });
      slow.faults.foreignError();
      const result = await pending;
      expect(result.outputs["2"]!.images).toHaveLength(1);
      await c.close();
    } finally {
      await slow.close();
    }
  });

  it("keeps its own concurrent prompts apart: one failing does not fail the other", async () => {
    const c = client();
    const failing = c.run({
      "1": { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 3, color: 1 } },
      "2": { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 2, color: 2 } },
      "3": { class_type: "ImageBlend", inputs: { image1: ["1", 0], image2: ["2", 0], blend_factor: 0.5, blend_mode: "normal" } },
      "4": { class_type: "SaveImage", inputs: { images: ["3", 0], filename_prefix: "client/blend" } },
    });
    const fine = c.run(empty(17));
    const [bad, good] = await Promise.allSettled([failing, fine]);
    expect(bad.status === "rejected" && bad.reason).toMatchObject({ code: "comfy_execution", nodeId: "3", classType: "ImageBlend", exceptionType: "RuntimeError" });
    expect(good.status === "fulfilled" && good.value.outputs["2"]!.images).toHaveLength(1);
  });

  it("gets every result through a proxy that delays all traffic by tens of ms", async () => {
    const proxy = await startDelayProxy({ port: fake.port }, 40);
    const c = new ComfyClient({ baseUrl: proxy.url });
    try {
      const results = await Promise.all([c.run(empty(18)), c.run(empty(18)), c.run(invert), c.run(empty(19))]);
      for (const r of results) {
        expect(Object.keys(r.outputs).length).toBeGreaterThan(0);
        for (const output of Object.values(r.outputs)) expect(output.images[0]!.bytes.byteLength).toBeGreaterThan(8);
      }
      executedOnce(results[0]!.promptId);
      executedOnce(results[3]!.promptId);
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  it("falls back to polling when the socket is silently unregistered (ComfyUI#16010)", async () => {
    const c = client({ clientId: "victim", timeouts: { pollIntervalMs: 40, zombieMs: 600_000 } });
    await c.session.waitOpen({ timeoutMs: 5_000 });
    // A second socket with the same id that then closes unregisters ours on the server.
    const intruder = new WebSocket(`${fake.url.replace("http", "ws")}/ws?clientId=victim`);
    await new Promise((resolve) => intruder.once("open", resolve));
    intruder.close();
    await new Promise((resolve) => intruder.once("close", resolve));
    const seen: RunProgress["kind"][] = [];
    const result = await c.run(empty(8), { timeoutMs: 10_000, onProgress: (e) => seen.push(e.kind) });
    expect(result.outputs["2"]!.images).toHaveLength(1);
    expect(seen).toEqual([]); // no event reached us: the poll found the result
    expect(c.session.state).toBe("open");
  });

  it("replaces a socket the server silently unregistered once a submit brings no traffic", async () => {
    const c = client({ clientId: "victim2", timeouts: { zombieMs: 150, pollIntervalMs: 50 } });
    await c.session.waitOpen({ timeoutMs: 5_000 });
    const intruder = new WebSocket(`${fake.url.replace("http", "ws")}/ws?clientId=victim2`);
    await new Promise((resolve) => intruder.once("open", resolve));
    intruder.close();
    await new Promise((resolve) => intruder.once("close", resolve));
    await c.run(empty(20), { timeoutMs: 10_000 });
    // At least one new socket (on a loaded machine a slow answer may look like silence once more).
    await until(() => c.session.opens >= 2 && c.session.state === "open", 5_000, "the zombie socket to be replaced");
    const seen: RunProgress["kind"][] = [];
    await c.run(empty(21), { timeoutMs: 10_000, onProgress: (e) => seen.push(e.kind) });
    expect(seen).toContain("executing");
  });

  it("runs an ambiguous submit exactly once: connection cut after the POST", async () => {
    fake.faults.dropAfterPost(1);
    const result = await client().run(empty(9), { timeoutMs: 10_000 });
    expect(result.submitAttempts).toBe(1);
    executedOnce(result.promptId);
  });

  it("runs an ambiguous submit exactly once: 500 with a text body, not taken, posted again", async () => {
    fake.faults.failNextRequests("/prompt", 1, 500);
    const result = await client().run(empty(10), { timeoutMs: 10_000 });
    expect(result.submitAttempts).toBe(2);
    executedOnce(result.promptId);
  });

  it("rides out 5xx answers while polling history and downloading", async () => {
    const promptId = randomUUID();
    fake.faults.failNextRequests(`/history/${promptId}`, 2, 500);
    fake.faults.failNextRequests("/view", 2, 503);
    const c = client({ timeouts: { pollIntervalMs: 30 } });
    const result = await c.run(empty(22), { promptId, timeoutMs: 10_000 });
    expect(result.promptId).toBe(promptId);
    const image = result.outputs["2"]!.images[0]!;
    expect(image.bytes.byteLength).toBeGreaterThan(8);
    executedOnce(promptId);
    // The injected failures were all used up by the run: these now succeed.
    expect((await c.history(promptId))?.status?.status_str).toBe("success");
    expect(await c.download(image)).toEqual(image.bytes);
  });

  it("surfaces a partial accept: node_errors with the outputs that did run", async () => {
    const prompt = empty(11, {
      "3": { class_type: "EmptyImage", inputs: { width: 0, height: 8, batch_size: 1, color: 0 } },
      "4": { class_type: "SaveImage", inputs: { images: ["3", 0], filename_prefix: "client/bad" } },
    });
    const result = await client().run(prompt);
    expect(Object.keys(result.outputs)).toEqual(["2"]);
    expect(result.nodeErrors?.["3"]?.class_type).toBe("EmptyImage");
    expect(result.nodeErrors?.["3"]?.errors[0]?.type).toBe("value_smaller_than_min");
  });

  it("types validation errors with the node id and class", async () => {
    const prompt = empty(12);
    prompt["1"].inputs.width = 0;
    const error = (await client().run(prompt).catch((e: unknown) => e)) as ComfyValidationError;
    expect(error).toBeInstanceOf(ComfyValidationError);
    expect(error.errorType).toBe("prompt_outputs_failed_validation");
    expect(error.nodeErrors["1"]?.class_type).toBe("EmptyImage");
    expect(error.message).toContain("node 1 (EmptyImage)");
  });

  it("types execution errors with node id, class, exception and traceback", async () => {
    fake.faults.failNode("ImageInvert", "pixels on fire");
    try {
      const error = (await client().run(invert).catch((e: unknown) => e)) as ComfyExecutionError;
      expect(error).toBeInstanceOf(ComfyExecutionError);
      expect(error).toMatchObject({ code: "comfy_execution", nodeId: "2", classType: "ImageInvert" });
      expect(error.exceptionMessage).toContain("pixels on fire");
      expect(error.traceback.length).toBeGreaterThan(0);
    } finally {
      fake.faults.failNode("ImageInvert", "");
    }
  });

  it("interrupts its own prompt by id", async () => {
    const slow = await startFakeComfy({ nodeDelayMs: 150 });
    const c = new ComfyClient({ baseUrl: slow.url });
    try {
      const pending = c.run(invert, {
        onProgress: (event) => {
          if (event.kind === "executing") void c.interrupt(event.promptId);
        },
      });
      const error = (await pending.catch((e: unknown) => e)) as ComfyInterruptedError;
      expect(error).toBeInstanceOf(ComfyInterruptedError);
      expect(error.code).toBe("comfy_interrupted");
    } finally {
      await c.close();
      await slow.close();
    }
  });

  it("ends a wait on its time limit and on the caller's signal", async () => {
    const slow = await startFakeComfy({ nodeDelayMs: 2_000 });
    const c = new ComfyClient({ baseUrl: slow.url });
    try {
      await expect(c.run(empty(13), { timeoutMs: 150 })).rejects.toBeInstanceOf(ComfyTimeoutError);
      const controller = new AbortController();
      const pending = c.run(empty(14), { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toBeInstanceOf(ComfyAbortError);
    } finally {
      await c.interrupt();
      await c.clearQueue();
      await c.close();
      await slow.close();
    }
  });

  it("uploads under content-hash names: identical bytes are never renamed, and LoadImage finds them", async () => {
    const c = client();
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toBuffer();
    const other = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 11, g: 200, b: 30 } } }).png().toBuffer();
    const first = await c.uploadImage(png, { name: "source.png", subfolder: "imgdiff" });
    const again = await c.uploadImage(new Uint8Array(png), { name: "source.png", subfolder: "imgdiff" });
    const different = await c.uploadImage(other, { name: "source.png", subfolder: "imgdiff" });
    expect(again).toEqual(first);
    expect(first.name).toMatch(/^source-[0-9a-f]{16}\.png$/);
    expect(different.name).not.toBe(first.name);
    expect(different.name).not.toContain("(1)");
    const result = await c.run({
      "1": { class_type: "LoadImage", inputs: { image: `imgdiff/${first.name}` } },
      "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "client/up" } },
    });
    expect([...(await rawPixels(result.outputs["2"]!.images[0]!.bytes)).subarray(0, 3)]).toEqual([10, 200, 30]);
    const masked = await c.uploadMask(png, { filename: first.name, subfolder: "imgdiff", type: "input" }, { subfolder: "clipspace" });
    expect(masked.subfolder).toBe("clipspace");
  });

  it("works with node-fetch injected", async () => {
    const result = await client({ fetch: nodeFetch }).run(empty(15));
    expect(result.outputs["2"]!.images[0]!.bytes.byteLength).toBeGreaterThan(8);
    executedOnce(result.promptId);
  });

  it("offers the other routes", async () => {
    const c = client();
    const info = await c.objectInfo();
    expect(await c.objectInfo()).toBe(info); // cached per client
    expect(info["KSampler"]?.input.required?.["seed"]?.[0]).toBe("INT");
    expect((await c.nodeInfo("LoadImage"))?.name).toBe("LoadImage");
    expect(await c.nodeInfo("NoSuchNode")).toBeUndefined();
    expect((await c.systemStats()).system.comfyui_version).toBe("0.3.64");
    expect((await c.features())["supports_preview_metadata"]).toBe(true);
    expect(await c.models()).toContain("checkpoints");
    expect((await c.models("checkpoints")).length).toBeGreaterThan(0);
    expect(Array.isArray(await c.embeddings())).toBe(true);
    expect(await c.queue()).toEqual({ queue_running: [], queue_pending: [] });
    expect(await c.queueRemaining()).toBe(0);
    await c.free({ freeMemory: true });
    await c.interrupt();
    await c.clearQueue();
    await c.deleteFromQueue(["nope"]);
    // 0.3.64 has no /api/jobs.
    await expect(c.jobs()).rejects.toBeInstanceOf(ComfyHttpError);
  });

  it("submits and waits separately, and finds a finished prompt by id", async () => {
    const c = client();
    const submitted = await c.submit(empty(16));
    expect(submitted.number).toBeTypeOf("number");
    const waited = await c.wait(submitted.promptId);
    expect(waited.outputs["2"]!.images).toHaveLength(1);
    expect(await c.locate(submitted.promptId)).toBe("finished");
    expect((await c.history(submitted.promptId))?.status?.status_str).toBe("success");
    expect(await c.locate("00000000-0000-4000-8000-000000000000")).toBe("unknown");
  });
});
