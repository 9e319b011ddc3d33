/**
 * Replays the recorded HTTP exchanges (validation, uploads, queue and history, static answers)
 * against the fake server and compares status, headers that matter, and bodies.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { readTextChunks, withTextChunks } from "../support/fake-comfy/png.js";
import { BASIC_PROMPT, FIXTURES, fixture, isDone, postPrompt, record, sourcePng, uploadImage, getJson } from "./helpers.js";

describe("POST /prompt validation answers (validation/*.json)", () => {
  let fake: FakeComfy;
  beforeAll(async () => {
    fake = await startFakeComfy();
    await uploadImage(fake.url, await sourcePng(), "trial-src.png");
  });
  afterAll(() => fake.close());

  const files = readdirSync(join(FIXTURES, "validation")).filter((f) => !f.endsWith("-history.json"));
  it("has the recorded cases", () => expect(files.length).toBeGreaterThanOrEqual(25));

  for (const file of files) {
    it(file, async () => {
      const { request, response } = fixture(`validation/${file}`);
      const res = await fetch(`${fake.url}/prompt`, { method: "POST", body: request.body === null ? "this is { not json" : JSON.stringify(request.body) });
      expect(res.status).toBe(response.status);
      if (response.status === 500) {
        expect(res.headers.get("content-type")).toBe(response.headers["content-type"]);
        expect(await res.text()).toBe(response.body);
        return;
      }
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
      const body = await (res.json() as Promise<any>);
      if (response.status === 400) expect(body).toEqual(response.body);
      else {
        expect(Object.keys(body)).toEqual(["prompt_id", "number", "node_errors"]);
        expect(body.node_errors).toEqual(response.body.node_errors);
      }
    });
  }

  it("counts rejected prompts too, negates the number for front, keeps a given prompt_id", async () => {
    const a = await postPrompt(fake.url, { prompt: BASIC_PROMPT, prompt_id: "my-own-id" });
    const b = await postPrompt(fake.url, { prompt: BASIC_PROMPT, front: true });
    expect(a.body.prompt_id).toBe("my-own-id");
    expect(b.body.number).toBe(-(a.body.number + 1));
  });
});

describe("uploads, in the recorded order (uploads/*.json)", () => {
  let fake: FakeComfy;
  let a: Buffer;
  let b: Buffer;
  beforeAll(async () => {
    fake = await startFakeComfy();
    a = await sourcePng(0);
    b = await sourcePng(1);
  });
  afterAll(() => fake.close());

  const expectRecorded = async (res: Response, file: string) => {
    const { response } = fixture(file);
    expect(res.status).toBe(response.status);
    expect(res.headers.get("content-type")).toBe(response.headers["content-type"]);
    if (response.body === "") expect(await res.text()).toBe("");
    else expect(await (res.json() as Promise<any>)).toEqual(response.body);
  };

  it("first upload, same bytes again, other bytes under the same name, overwrite", async () => {
    await expectRecorded(await uploadImage(fake.url, a, "trial-src.png"), "upload-image-response.json");
    await expectRecorded(await uploadImage(fake.url, a, "trial-src.png"), "uploads/upload-image-duplicate-same-bytes.json");
    await expectRecorded(await uploadImage(fake.url, b, "trial-src.png"), "uploads/upload-image-same-name-different-bytes.json");
    await expectRecorded(await uploadImage(fake.url, b, "trial-src2.png", { overwrite: "true" }), "uploads/upload-image-overwrite-true.json");
    await expectRecorded(await uploadImage(fake.url, a, "trial-src2.png", { overwrite: "true" }), "uploads/upload-image-overwrite-true.json");
  });

  it("subfolder, temp, no file, traversal", async () => {
    await expectRecorded(await uploadImage(fake.url, a, "pair-a.png", { subfolder: "imgdiff", type: "input" }), "uploads/upload-image-subfolder.json");
    await expectRecorded(await uploadImage(fake.url, a, "tmp-a.png", { type: "temp" }), "uploads/upload-image-type-temp.json");
    const form = new FormData();
    form.append("overwrite", "true");
    await expectRecorded(await fetch(`${fake.url}/upload/image`, { method: "POST", body: form }), "uploads/upload-image-no-file.json");
    await expectRecorded(await uploadImage(fake.url, a, "evil.png", { subfolder: "../.." }), "uploads/upload-image-traversal.json");
  });

  it("LoadImage's combo is the live input listing", async () => {
    for (const name of ["LoadImage", "LoadImageMask"]) {
      const res = await fetch(`${fake.url}/object_info/${name}`);
      expect(await (res.json() as Promise<any>)).toEqual(fixture(`uploads/after-object_info-${name}.json`).response.body);
    }
    const listed = await getJson(`${fake.url}/internal/files/input`);
    expect([...listed].sort()).toEqual([...fixture("uploads/after-internal-files-input.json").response.body].sort());
    expect((await fetch(`${fake.url}/api/internal/files/input`)).status).toBe(404);
  });

  it("upload/mask: alpha merged into the original, text chunks kept; a missing original is a silent 200", async () => {
    const original = withTextChunks(await sourcePng(3), [["parameters", "kept"]]);
    await uploadImage(fake.url, original, "orig.png", { overwrite: "true" });
    const maskRgba = Buffer.alloc(64 * 48 * 4, 255);
    for (let p = 0; p < 64 * 48; p++) maskRgba[p * 4 + 3] = p % 64 < 32 ? 0 : 255;
    const mask = await sharp(maskRgba, { raw: { width: 64, height: 48, channels: 4 } }).png().toBuffer();
    const ref = JSON.stringify({ filename: "orig.png", subfolder: "", type: "input" });
    const res = await uploadImage(fake.url, mask, "clipspace-mask-trial.png", { type: "input", subfolder: "clipspace", original_ref: ref }, "/upload/mask");
    expect(await (res.json() as Promise<any>)).toEqual(fixture("upload-mask-response.json").response.body);
    const saved = Buffer.from(await (await fetch(`${fake.url}/view?filename=clipspace-mask-trial.png&subfolder=clipspace&type=input`)).arrayBuffer());
    expect(readTextChunks(saved)).toEqual([["parameters", "kept"]]);
    const { data } = await sharp(saved).raw().toBuffer({ resolveWithObject: true });
    expect([data[3], data[63 * 4 + 3]]).toEqual([0, 255]);
    const { request } = fixture("uploads/upload-mask-missing-original.json");
    const orphan = await uploadImage(fake.url, mask, request.file.filename, request.fields, "/upload/mask");
    expect(await orphan.json()).toEqual(fixture("uploads/upload-mask-missing-original.json").response.body);
    expect((await fetch(`${fake.url}/view?filename=clipspace-mask-orphan.png&subfolder=clipspace&type=input`)).status).toBe(404);
  });
});

describe("queue and history (queue/*.json)", () => {
  let fake: FakeComfy;
  beforeAll(async () => {
    fake = await startFakeComfy({ nodeDelayMs: 300 });
  });
  afterAll(() => fake.close());

  const t = fixture("queue/transcript.json");
  const bodies = t.entries.filter((e: any) => e.kind === "http_request" && e.route === "/prompt").map((e: any) => e.body);

  it("queue order, GET /prompt, delete, clear, global interrupt, as recorded", async () => {
    const rec = await record(fake.url, t.client_id);
    const ids: string[] = [];
    for (const body of bodies) ids.push((await postPrompt(fake.url, body)).body.prompt_id);
    await rec.waitFor((m) => m.type === "executing" && m.data.node === "2");
    const queue = await getJson(`${fake.url}/queue`);
    const recorded = fixture("queue/queue-1-running-3-pending.json").response.body;
    const shape = (q: any, order: string[]) => ({
      running: q.queue_running.map((i: any) => [order.indexOf(i[1]), i[2], i[3], i[4]]),
      pending: q.queue_pending.map((i: any) => [order.indexOf(i[1]), Math.sign(i[0]), i[2], i[3], i[4]]),
    });
    const recordedIds = t.entries.filter((e: any) => e.kind === "http_response" && e.route === "/prompt").map((e: any) => e.body.prompt_id);
    expect(shape(queue, ids)).toEqual(shape(recorded, recordedIds));
    expect(await getJson(`${fake.url}/prompt`)).toEqual(fixture("queue/prompt-GET-while-busy.json").response.body);

    const del = await fetch(`${fake.url}/queue`, { method: "POST", body: JSON.stringify({ delete: [ids[1]] }) });
    expect(del.headers.get("content-type")).toBe("application/octet-stream");
    expect(await del.text()).toBe("");
    expect(shape(await getJson(`${fake.url}/queue`), ids)).toEqual(shape(fixture("queue/queue-after-delete.json").response.body, recordedIds));
    await fetch(`${fake.url}/queue`, { method: "POST", body: JSON.stringify({ clear: true }) });
    expect(shape(await getJson(`${fake.url}/queue`), ids)).toEqual(shape(fixture("queue/queue-after-clear.json").response.body, recordedIds));
    expect((await fetch(`${fake.url}/interrupt`, { method: "POST" })).status).toBe(200);
    await rec.waitFor(isDone(ids[0]!));
    const statuses = (ms: any[]) => ms.filter((m) => m.type === "status").map((m) => m.data.status.exec_info.queue_remaining);
    const recordedMessages = t.entries.filter((e: any) => e.kind === "ws_recv_text").map((e: any) => e.message);
    expect(statuses(rec.messages)).toEqual(statuses(recordedMessages));
    const tail = (ms: any[]) => ms.slice(-4).map((m) => [m.type, m.data.node_id ?? m.data.node ?? null]);
    expect(tail(rec.messages)).toEqual(tail(recordedMessages));
    await rec.close();

    const history = await getJson(`${fake.url}/history?max_items=2`);
    expect(Object.keys(history)).toEqual([ids[0]]);
    expect(Object.keys(history[ids[0]!])).toEqual(["prompt", "outputs", "status", "meta"]);
    await fetch(`${fake.url}/history`, { method: "POST", body: JSON.stringify({ delete: [ids[0]] }) });
    expect(await getJson(`${fake.url}/history/${ids[0]}`)).toEqual({});
    const free = await fetch(`${fake.url}/free`, { method: "POST", body: JSON.stringify(fixture("queue/free-POST.json").request.body) });
    expect([free.status, await free.text()]).toEqual([200, ""]);
  });
});

describe("static answers, /api twins, origin guard, /view errors", () => {
  let fake: FakeComfy;
  beforeAll(async () => {
    fake = await startFakeComfy({ checkpoints: ["sd_xl_base_1.0.safetensors", "sdxl/other.safetensors"] });
  });
  afterAll(() => fake.close());

  it("answers /x and /api/x alike", async () => {
    expect(await getJson(`${fake.url}/api/queue`)).toEqual(fixture("queue.json"));
    expect(await getJson(`${fake.url}/queue`)).toEqual(fixture("queue.json"));
    expect(await getJson(`${fake.url}/api/system_stats`)).toEqual(fixture("system_stats.json"));
    expect(await getJson(`${fake.url}/features`)).toEqual(fixture("features.json"));
    expect(await getJson(`${fake.url}/api/object_info/NoSuchNode`)).toEqual({});
    const all = await getJson(`${fake.url}/object_info`);
    expect(Object.keys(all)).toHaveLength(Object.keys(fixture("object_info.json")).length);
    expect(all.CheckpointLoaderSimple.input.required.ckpt_name[0]).toEqual(["sd_xl_base_1.0.safetensors", "sdxl/other.safetensors"]);
  });

  it("models, embeddings, history of an unknown id, bad history params", async () => {
    expect(await getJson(`${fake.url}/models`)).toContain("checkpoints");
    expect(await getJson(`${fake.url}/api/models/checkpoints`)).toEqual(["sd_xl_base_1.0.safetensors", "sdxl/other.safetensors"]);
    expect(await getJson(`${fake.url}/models/loras`)).toEqual([]);
    expect((await fetch(`${fake.url}/models/nope`)).status).toBe(404);
    expect(await getJson(`${fake.url}/embeddings`)).toEqual([]);
    expect(await getJson(`${fake.url}/history/unknown`)).toEqual({});
    expect((await fetch(`${fake.url}/history?max_items=two`)).status).toBe(500);
  });

  it("refuses a foreign Origin on a loopback Host with an empty 403, accepts a matching one", async () => {
    const foreign = await fetch(`${fake.url}/prompt`, { headers: { origin: "http://evil.example" } });
    expect([foreign.status, await foreign.text()]).toEqual([403, ""]);
    const same = await fetch(`${fake.url}/prompt`, { headers: { origin: fake.url } });
    expect(same.status).toBe(200);
    expect((await fetch(`${fake.url}/prompt`, { method: "OPTIONS", headers: { origin: "http://evil.example" } })).status).toBe(200);
  });

  it("/view: missing file 404, bad type 400, '..' 400, subfolder escape 403, all empty", async () => {
    for (const [query, status] of [
      ["filename=nope.png", 404],
      ["", 404],
      ["filename=example.png&type=bogus", 400],
      ["filename=../example.png&type=input", 400],
      ["filename=example.png&type=input&subfolder=../../etc", 403],
    ] as const) {
      const res = await fetch(`${fake.url}/view?${query}`);
      expect([query, res.status, await res.text()]).toEqual([query, status, ""]);
    }
    const ok = await fetch(`${fake.url}/api/view?filename=example.png [input]`);
    expect([ok.status, ok.headers.get("content-type"), ok.headers.get("content-disposition")]).toEqual([200, "image/png", 'filename="example.png"']);
    const jpeg = await fetch(`${fake.url}/view?filename=example.png&type=input&preview=jpeg;75`);
    expect(jpeg.headers.get("content-type")).toBe("image/jpeg");
  });
});
