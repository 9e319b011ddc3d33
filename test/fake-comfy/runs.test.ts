/**
 * Replays the recorded runs' prompts against the fake server and compares every WebSocket
 * message (ids, timestamps and random temp names normalised) with the recorded transcripts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { fixture, isDone, normalize, postPrompt, record, recordedMessages, recordedPromptId, sourcePng, uploadImage, type WsMessage, getJson } from "./helpers.js";

interface Transcript {
  client_id?: string;
  entries: Array<{ kind: string; route?: string; method?: string; status?: number; body?: any; message?: WsMessage }>;
}

const requestOf = (t: Transcript) => t.entries.find((e) => e.kind === "http_request" && e.route === "/prompt")!.body;

/** Run a recorded prompt on `fake` and return [recorded, observed] message lists, normalised. */
async function replay(fake: FakeComfy, name: string, firstFrame?: unknown): Promise<[WsMessage[], WsMessage[], any]> {
  const t = fixture<Transcript>(`runs/${name}/transcript.json`);
  const rec = await record(fake.url, t.client_id, firstFrame);
  if (firstFrame !== undefined) await rec.waitFor((m) => m.type === "feature_flags");
  const reply = await postPrompt(fake.url, requestOf(t));
  expect(reply.status).toBe(200);
  const id = reply.body.prompt_id as string;
  if (t.client_id !== undefined) await rec.waitFor(isDone(id));
  else await rec.waitFor((m) => m.type === "status" && m.data.status.exec_info.queue_remaining === 0 && rec.messages.length > 1);
  const history = await getJson(`${fake.url}/history/${id}`);
  await rec.close();
  return [normalize(recordedMessages(t), recordedPromptId(t)), normalize(rec.messages, id), normalize(history[id], id)];
}

describe("recorded runs, in the recorded order (basic, cached, multi)", () => {
  let fake: FakeComfy;
  beforeAll(async () => {
    fake = await startFakeComfy();
    expect((await uploadImage(fake.url, await sourcePng(), "trial-src.png")).status).toBe(200);
  });
  afterAll(() => fake.close());

  it("basic: the full message order of a fresh run", async () => {
    const [recorded, observed, history] = await replay(fake, "basic");
    expect(observed).toEqual(recorded);
    const recordedHistory = fixture("runs/basic/history.json").response.body;
    expect(history).toEqual(normalize(Object.values(recordedHistory)[0], Object.keys(recordedHistory)[0]));
  });

  it("cached: the same prompt again lists every node as cached and re-sends executed", async () => {
    const [recorded, observed, history] = await replay(fake, "cached");
    expect(observed).toEqual(recorded);
    expect(history.outputs).toEqual({ "3": { images: [{ filename: "invert_00001_.png", subfolder: "imgdiff_trial", type: "output" }] } });
    const files = await getJson(`${fake.url}/internal/files/output`);
    expect(files).toEqual([]);
  });

  it("multi: execution order, a cache hit from the earlier prompt, two outputs", async () => {
    const [recorded, observed, history] = await replay(fake, "multi");
    expect(observed).toEqual(recorded);
    const recordedHistory = fixture("runs/multi/history.json").response.body;
    expect(history).toEqual(normalize(Object.values(recordedHistory)[0], Object.keys(recordedHistory)[0]));
  });

  it("saves RGB PNGs with the prompt (is_changed on LoadImage, floats as 1.0) and workflow chunks", async () => {
    const res = await fetch(`${fake.url}/view?filename=multi_00001_.png&subfolder=imgdiff_trial&type=output`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('filename="multi_00001_.png"');
    const png = Buffer.from(await res.arrayBuffer());
    const recorded = fixture("runs/multi/view.json")[0].png_check;
    const { readTextChunks } = await import("../support/fake-comfy/png.js");
    const texts = readTextChunks(png);
    expect(texts.map(([k]) => k)).toEqual(recorded.text_chunk_keys);
    expect(texts[0]![1]).toContain('"13": {"class_type": "SolidMask", "inputs": {"value": 1.0, "width": 64, "height": 48}}');
    expect(texts[0]![1]).toMatch(/"11": \{"class_type": "LoadImage", "inputs": \{"image": "trial-src.png"\}, "is_changed": \["[0-9a-f]{64}"\]\}/);
    expect(texts[1]).toEqual(["workflow", '{"note": "trial"}']);
    expect(png.readUInt32BE(16)).toBe(recorded.ihdr.width);
    expect(png[25]).toBe(recorded.ihdr.color_type);
  });
});

describe("recorded runs on their own server", () => {
  let fake: FakeComfy;
  beforeAll(async () => {
    fake = await startFakeComfy({ nodeDelayMs: 0 });
    expect((await uploadImage(fake.url, await sourcePng(), "trial-src.png")).status).toBe(200);
    expect((await uploadImage(fake.url, await sourcePng(1), "trial-src (1).png")).status).toBe(200);
    expect((await uploadImage(fake.url, await sourcePng(2), "trial-src2.png")).status).toBe(200);
  });
  afterAll(() => fake.close());

  it("error-blend: execution_error with the recorded fields, no execution_success", async () => {
    const [recorded, observed, history] = await replay(fake, "error-blend");
    const strip = (ms: WsMessage[]) =>
      ms.map((m) => (m.type === "execution_error" ? { ...m, data: { ...m.data, traceback: "<tb>", current_inputs: Object.keys(m.data.current_inputs), current_outputs: [...m.data.current_outputs].sort() } } : m));
    expect(strip(observed)).toEqual(strip(recorded));
    const error = observed.find((m) => m.type === "execution_error")!.data;
    const want = recorded.find((m) => m.type === "execution_error")!.data;
    expect(error.traceback.slice(0, 4)).toEqual(want.traceback.slice(0, 4));
    expect(error.traceback.at(-1)).toEqual(want.traceback.at(-1));
    expect(error.current_inputs.blend_factor).toEqual([0.5]);
    expect(history.status.status_str).toBe("error");
    expect(history.outputs).toEqual({});
  });

  it("no-client-id: only status and progress_state arrive, and a server-made hex sid", async () => {
    const [recorded, observed] = await replay(fake, "no-client-id");
    expect(observed[0]!.data.sid).toMatch(/^[0-9a-f]{32}$/);
    const noSid = (ms: WsMessage[]) => ms.map((m) => (m.data.sid ? { ...m, data: { ...m.data, sid: "<sid>" } } : m));
    expect(noSid(observed)).toEqual(noSid(recorded));
  });

  it("feature-flags: the reply comes after the connect status, with the server's own flags", async () => {
    const [recorded, observed] = await replay(fake, "feature-flags", { type: "feature_flags", data: { supports_preview_metadata: true, max_upload_size: 1 } });
    expect(observed).toEqual(recorded);
  });

  it("v3 combo not in list: accepted, then a run-time ValueError as recorded in history", async () => {
    const body = fixture("validation/v3-node-combo-not-in-list.json").request.body;
    const reply = await postPrompt(fake.url, body);
    expect(reply.status).toBe(200);
    const rec = fixture("validation/v3-node-combo-not-in-list-history.json").response.body;
    const want = Object.values(rec)[0] as any;
    let entry: any;
    while (!entry) entry = (await getJson(`${fake.url}/history/${reply.body.prompt_id}`))[reply.body.prompt_id];
    const last = entry.status.messages.at(-1);
    expect(last[0]).toBe("execution_error");
    expect(last[1].exception_message).toBe(want.status.messages.at(-1)[1].exception_message);
    expect(last[1].exception_type).toBe("ValueError");
  });
});

describe("interrupt (recorded: runs/interrupt)", () => {
  it("interrupts the running prompt when the next node starts", async () => {
    const fake = await startFakeComfy({ nodeDelayMs: 150 });
    try {
      const t = fixture<Transcript>("runs/interrupt/transcript.json");
      const rec = await record(fake.url, t.client_id);
      const reply = await postPrompt(fake.url, requestOf(t));
      const id = reply.body.prompt_id as string;
      await rec.waitFor((m) => m.type === "executing" && m.data.node === "2");
      const queue = await getJson(`${fake.url}/queue`);
      const numberless = (q: any) => ({ ...q, queue_running: q.queue_running.map(([, ...rest]: unknown[]) => ["<number>", ...rest]) });
      expect(numberless(normalize(queue, id))).toEqual(numberless(normalize(fixture("runs/interrupt/queue-while-running.json").response.body, recordedPromptId(t))));
      expect((await fetch(`${fake.url}/interrupt`, { method: "POST", body: JSON.stringify({ prompt_id: "someone-else" }) })).status).toBe(200);
      expect((await fetch(`${fake.url}/interrupt`, { method: "POST", body: JSON.stringify({ prompt_id: id }) })).status).toBe(200);
      await rec.waitFor(isDone(id));
      const recorded = normalize(recordedMessages(t), recordedPromptId(t));
      expect(normalize(rec.messages, id)).toEqual(recorded);
      const history = (await getJson(`${fake.url}/history/${id}`))[id];
      const want = fixture("runs/interrupt/history.json").response.body;
      const recordedEntry = normalize(Object.values(want)[0], Object.keys(want)[0]);
      expect(history.prompt[0]).toBe(0);
      expect(normalize({ ...history, prompt: history.prompt.slice(1) }, id)).toEqual({ ...recordedEntry, prompt: recordedEntry.prompt.slice(1) });
      await rec.close();
    } finally {
      await fake.close();
    }
  });
});
