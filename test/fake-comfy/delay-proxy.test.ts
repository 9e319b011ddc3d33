/**
 * Through a slow link, a client that opens its WebSocket only after POST /prompt has answered
 * misses the whole run; one that subscribes first sees it all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDelayProxy, type DelayProxy } from "../support/delay-proxy.js";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { BASIC_PROMPT, isDone, postPrompt, record, sourcePng, uploadImage, getJson } from "./helpers.js";

describe("delay proxy", () => {
  let fake: FakeComfy;
  let proxy: DelayProxy;
  beforeAll(async () => {
    fake = await startFakeComfy();
    await uploadImage(fake.url, await sourcePng(), "trial-src.png");
    proxy = await startDelayProxy({ port: fake.port }, 150);
  });
  afterAll(async () => {
    await proxy.close();
    await fake.close();
  });

  it("subscribing after the POST reply misses the run's events", async () => {
    const reply = await postPrompt(proxy.url, { prompt: { ...BASIC_PROMPT, "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } } }, client_id: "late", prompt_id: "late-1" });
    expect(reply.status).toBe(200);
    const late = await record(proxy.url, "late");
    await late.waitFor((m) => m.type === "status");
    // History proves the run is over; nothing but the connect status reached the late socket.
    expect(Object.keys(await getJson(`${fake.url}/history/late-1`))).toEqual(["late-1"]);
    const more = await postPrompt(proxy.url, { prompt: BASIC_PROMPT, client_id: "late", prompt_id: "late-2" });
    await late.waitFor(isDone(more.body.prompt_id));
    expect(late.messages.filter((m) => m.data?.prompt_id === "late-1")).toEqual([]);
    await late.close();
  });

  it("subscribing before the POST sees every event, delayed but in order", async () => {
    const early = await record(proxy.url, "early");
    const reply = await postPrompt(proxy.url, { prompt: BASIC_PROMPT, client_id: "early", prompt_id: "early-1" });
    await early.waitFor(isDone(reply.body.prompt_id));
    const types = early.messages.map((m) => m.type);
    expect(types.slice(0, 5)).toEqual(["status", "status", "status", "execution_start", "execution_cached"]);
    expect(types.at(-1)).toBe("executing");
    await early.close();
  });
});
