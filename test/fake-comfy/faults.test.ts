/** Each fault hook does what it says. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { BASIC_PROMPT, isDone, postPrompt, record, sourcePng, uploadImage, getJson } from "./helpers.js";

describe("fault hooks", () => {
  let fake: FakeComfy;
  beforeEach(async () => {
    fake = await startFakeComfy();
    await uploadImage(fake.url, await sourcePng(), "trial-src.png");
  });
  afterEach(() => fake.close());

  it("dropWebSockets terminates every open socket without a close handshake", async () => {
    const a = await record(fake.url, "a");
    const b = await record(fake.url);
    const codes = Promise.all([a, b].map((r) => new Promise<number>((resolve) => r.ws.once("close", (code) => resolve(code)))));
    fake.faults.dropWebSockets();
    expect(await codes).toEqual([1006, 1006]);
  });

  it("failNextRequests fails that route (with or without /api) N times with aiohttp's text body", async () => {
    fake.faults.failNextRequests("/prompt", 2);
    const first = await fetch(`${fake.url}/prompt`, { method: "POST", body: JSON.stringify({ prompt: BASIC_PROMPT }) });
    expect([first.status, first.headers.get("content-type"), await first.text()]).toEqual([500, "text/plain; charset=utf-8", "500 Internal Server Error\n\nServer got itself in trouble"]);
    expect((await fetch(`${fake.url}/api/prompt`)).status).toBe(500);
    expect((await postPrompt(fake.url, { prompt: BASIC_PROMPT })).status).toBe(200);
    expect(fake.stats().submitted).toBe(1);
    fake.faults.failNextRequests("/queue", 1, 503);
    const res = await fetch(`${fake.url}/queue`);
    expect([res.status, await res.text()]).toEqual([503, "503 Service Unavailable\n\nService Unavailable"]);
  });

  it("failNextRequests on /ws refuses the upgrade", async () => {
    fake.faults.failNextRequests("/ws", 1, 500);
    await expect(record(fake.url, "x")).rejects.toThrow(/500/);
    const ok = await record(fake.url, "x");
    await ok.close();
  });

  it("slowRoute delays that route only", async () => {
    fake.faults.slowRoute("/queue", 300);
    const order: string[] = [];
    const slow = fetch(`${fake.url}/api/queue`).then(() => order.push("queue"));
    const fast = fetch(`${fake.url}/prompt`).then(() => order.push("prompt"));
    await Promise.all([slow, fast]);
    expect(order).toEqual(["prompt", "queue"]);
    fake.faults.slowRoute("/queue", 0);
  });

  it("dropAfterPost queues the prompt but cuts the connection before the reply", async () => {
    const rec = await record(fake.url, "dropper");
    fake.faults.dropAfterPost(1);
    await expect(postPrompt(fake.url, { prompt: BASIC_PROMPT, client_id: "dropper", prompt_id: "dropped-1" })).rejects.toThrow();
    await rec.waitFor(isDone("dropped-1"));
    expect(Object.keys(await getJson(`${fake.url}/history/dropped-1`))).toEqual(["dropped-1"]);
    expect(fake.stats()).toEqual({ submitted: 1, executed: { "dropped-1": 1 } });
    expect((await postPrompt(fake.url, { prompt: BASIC_PROMPT })).status).toBe(200);
    await rec.close();
  });

  it("eventsBeforeReply holds the POST reply until the run has started and sent its first events", async () => {
    const slow = await startFakeComfy({ nodeDelayMs: 150 });
    try {
      await uploadImage(slow.url, await sourcePng(), "trial-src.png");
      const rec = await record(slow.url, "early");
      const busy = await postPrompt(slow.url, { prompt: BASIC_PROMPT, client_id: "early", prompt_id: "busy" });
      expect(busy.status).toBe(200);
      slow.faults.eventsBeforeReply(true);
      const reply = await postPrompt(slow.url, { prompt: { ...BASIC_PROMPT, "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } }, "4": { class_type: "PreviewImage", inputs: { images: ["2", 0] } } }, client_id: "early", prompt_id: "early-1" });
      // Queued behind "busy", it could only be answered once it started running.
      expect(slow.stats().executed["early-1"]).toBe(1);
      expect(await rec.waitFor((m) => m.type === "execution_start" && m.data.prompt_id === "early-1")).toBeDefined();
      expect(reply.body.prompt_id).toBe("early-1");
      await rec.waitFor(isDone("early-1"));
      await rec.close();
    } finally {
      await slow.close();
    }
  });

  it("foreignError: another client's prompt fails; its error goes to that client, status to all", async () => {
    const mine = await record(fake.url, "mine");
    const theirs = await record(fake.url, "fake-foreign-client-1");
    fake.faults.foreignError();
    const error = await theirs.waitFor((m) => m.type === "execution_error");
    await theirs.waitFor((m) => m.type === "executing" && m.data.node === null);
    await mine.waitFor((m) => m.type === "status" && m.data.status.exec_info.queue_remaining === 0 && mine.messages.length > 2);
    expect(error.data.exception_type).toBe("RuntimeError");
    expect(mine.messages.map((m) => m.type)).toEqual(["status", "status", "status", "status"]);
    await Promise.all([mine.close(), theirs.close()]);
  });

  it("failNode makes that class raise: execution_error with type, message and traceback; error history", async () => {
    fake.faults.failNode("ImageInvert", "boom");
    const rec = await record(fake.url, "fail");
    const reply = await postPrompt(fake.url, { prompt: BASIC_PROMPT, client_id: "fail" });
    await rec.waitFor(isDone(reply.body.prompt_id));
    const error = rec.messages.find((m) => m.type === "execution_error")!.data;
    expect(error).toMatchObject({ node_id: "2", node_type: "ImageInvert", exception_message: "boom\n", exception_type: "RuntimeError", executed: ["1"] });
    expect(error.traceback.length).toBeGreaterThan(1);
    expect(rec.messages.some((m) => m.type === "execution_success")).toBe(false);
    const history = (await getJson(`${fake.url}/history/${reply.body.prompt_id}`))[reply.body.prompt_id];
    expect(history.status).toMatchObject({ status_str: "error", completed: false });
    await rec.close();
  });

  it("restart keeps the port and uploaded files; loses queue and history unless asked", async () => {
    const port = fake.port;
    const reply = await postPrompt(fake.url, { prompt: BASIC_PROMPT, prompt_id: "before-restart" });
    expect(reply.status).toBe(200);
    let entry = {};
    while (Object.keys(entry).length === 0) entry = await getJson(`${fake.url}/history/before-restart`);
    await fake.restart({ loseQueue: false });
    expect(fake.port).toBe(port);
    expect(Object.keys(await getJson(`${fake.url}/history`))).toEqual(["before-restart"]);
    await fake.restart();
    expect(await getJson(`${fake.url}/history`)).toEqual({});
    const info = await getJson(`${fake.url}/object_info/LoadImage`);
    expect(info.LoadImage.input.required.image[0]).toContain("trial-src.png");
    expect((await postPrompt(fake.url, { prompt: BASIC_PROMPT })).body.number).toBe(0);
  });
});

describe("previews and the reconnect replay", () => {
  it("sends type 1 JPEG frames per sampler step, or type 4 with metadata once negotiated", async () => {
    const fake = await startFakeComfy({ previewMethod: "auto" });
    try {
      const prompt = {
        "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "sd_xl_base_1.0.safetensors" } },
        "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
        "6": { class_type: "CLIPTextEncode", inputs: { text: "a red bicycle", clip: ["4", 1] } },
        "3": { class_type: "KSampler", inputs: { seed: 1, steps: 3, cfg: 7, sampler_name: "euler", scheduler: "karras", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["6", 0], latent_image: ["5", 0] } },
        "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
        "9": { class_type: "SaveImage", inputs: { images: ["8", 0], filename_prefix: "imgdiff/source" } },
      };
      const plain = await record(fake.url, "plain");
      const a = await postPrompt(fake.url, { prompt, client_id: "plain" });
      await plain.waitFor(isDone(a.body.prompt_id));
      expect(plain.binary.map((b) => [b.readUInt32BE(0), b.readUInt32BE(4), b[8], b[9]])).toEqual(Array(3).fill([1, 1, 0xff, 0xd8]));
      expect(plain.messages.filter((m) => m.type === "progress").map((m) => m.data)).toEqual([1, 2, 3].map((value) => ({ value, max: 3, prompt_id: a.body.prompt_id, node: "3" })));
      expect(plain.messages.find((m) => m.type === "executed")!.data.output.images[0]).toEqual({ filename: "source_00001_.png", subfolder: "imgdiff", type: "output" });

      const meta = await record(fake.url, "meta", { type: "feature_flags", data: { supports_preview_metadata: true } });
      await meta.waitFor((m) => m.type === "feature_flags");
      prompt["3"].inputs.seed = 2;
      const b = await postPrompt(fake.url, { prompt, client_id: "meta" });
      await meta.waitFor(isDone(b.body.prompt_id));
      expect(meta.binary).toHaveLength(3);
      const frame = meta.binary[0]!;
      expect(frame.readUInt32BE(0)).toBe(4);
      const json = JSON.parse(frame.subarray(8, 8 + frame.readUInt32BE(4)).toString());
      expect(json).toMatchObject({ node_id: "3", prompt_id: b.body.prompt_id, image_type: "image/jpeg" });
      await Promise.all([plain.close(), meta.close()]);
    } finally {
      await fake.close();
    }
  });

  it("a client that reconnects during its run gets executing {node} without prompt_id", async () => {
    const fake = await startFakeComfy({ nodeDelayMs: 200 });
    try {
      await uploadImage(fake.url, await sourcePng(), "trial-src.png");
      const first = await record(fake.url, "again");
      const reply = await postPrompt(fake.url, { prompt: BASIC_PROMPT, client_id: "again" });
      await first.waitFor((m) => m.type === "executing" && m.data.node === "1");
      await first.close();
      const second = await record(fake.url, "again");
      const replay = await second.waitFor((m) => m.type === "executing");
      expect(replay.data).toEqual({ node: "1" });
      await second.waitFor(isDone(reply.body.prompt_id));
      await second.close();
    } finally {
      await fake.close();
    }
  });
});
