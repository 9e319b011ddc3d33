// ComfyClient.run() against a minimal ComfyUI imitation (test/client/mini-comfy.ts).
import { afterEach, describe, expect, it } from "vitest";
import { ComfyClient } from "../../src/client/client.js";
import { ComfyAbortError, ComfyExecutionError, ComfyTimeoutError } from "../../src/client/errors.js";
import { startMiniComfy, type MiniComfy } from "./mini-comfy.js";

let mini: MiniComfy | undefined;
let client: ComfyClient | undefined;
afterEach(async () => {
  await client?.close();
  await mini?.close();
  client = mini = undefined;
});

const prompt = {
  "1": { class_type: "EmptyImage", inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
  "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "a" } },
  "3": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "b" } },
};

describe("ComfyClient.run (mini server)", () => {
  it("sends its own lowercase UUID v4 prompt id, client id and workflow, and collects every output node", async () => {
    mini = await startMiniComfy();
    client = new ComfyClient({ baseUrl: mini.url, clientId: "me" });
    const result = await client.run(prompt, { workflow: { nodes: [] }, targets: ["2", "3"] });
    expect(result.promptId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Object.keys(result.outputs).sort()).toEqual(["2", "3"]);
    expect(result.outputs["2"]!.images[0]!.bytes.byteLength).toBe(11);
    const post = JSON.parse(mini.stub.requests.find((r) => r.url === "/api/prompt")!.body);
    expect(post).toMatchObject({ client_id: "me", prompt_id: result.promptId, extra_data: { extra_pnginfo: { workflow: { nodes: [] } } }, partial_execution_targets: ["2", "3"] });
    expect(mini.executed.get(result.promptId)).toBe(1);
  });

  it("does not hang when every event arrives before the POST's reply", async () => {
    mini = await startMiniComfy();
    mini.faults.eventsBeforeReply = true;
    client = new ComfyClient({ baseUrl: mini.url, timeouts: { pollIntervalMs: 60_000 } });
    const result = await client.run(prompt, { timeoutMs: 10_000 });
    expect(Object.keys(result.outputs)).toHaveLength(2);
  });

  it("falls back to polling /history when no event ever arrives", async () => {
    mini = await startMiniComfy();
    mini.faults.muteEvents = true;
    client = new ComfyClient({ baseUrl: mini.url, timeouts: { pollIntervalMs: 30, zombieMs: 60_000 } });
    const result = await client.run(prompt, { timeoutMs: 10_000 });
    expect(Object.keys(result.outputs)).toHaveLength(2);
  });

  it("resolves an ambiguous submit (connection dropped after the POST, or a 500 text body) without running twice", async () => {
    mini = await startMiniComfy(50);
    client = new ComfyClient({ baseUrl: mini.url });
    mini.faults.dropAfterPost = 1;
    const dropped = await client.run(prompt, { timeoutMs: 10_000 });
    expect(dropped.submitAttempts).toBe(1);
    expect(mini.executed.get(dropped.promptId)).toBe(1);
    mini.faults.text500 = 1; // the server did not take it: posted again with the same id
    const failed = await client.run(prompt, { timeoutMs: 10_000 });
    expect(failed.submitAttempts).toBe(2);
    expect(mini.executed.get(failed.promptId)).toBe(1);
    expect(mini.posts).toBe(3);
  });

  it("types an execution error with the node id, class and exception", async () => {
    mini = await startMiniComfy();
    mini.faults.failNode = "SaveImage";
    client = new ComfyClient({ baseUrl: mini.url });
    const error = (await client.run(prompt).catch((e: unknown) => e)) as ComfyExecutionError;
    expect(error).toBeInstanceOf(ComfyExecutionError);
    expect(error).toMatchObject({ code: "comfy_execution", nodeId: "2", classType: "SaveImage", exceptionType: "RuntimeError" });
    expect(error.traceback).toHaveLength(1);
  });

  it("ends a wait with a timeout or an abort, leaving the client usable", async () => {
    mini = await startMiniComfy(60_000);
    client = new ComfyClient({ baseUrl: mini.url });
    await expect(client.run(prompt, { timeoutMs: 100 })).rejects.toBeInstanceOf(ComfyTimeoutError);
    const controller = new AbortController();
    const pending = client.run(prompt, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(ComfyAbortError);
  });
});
