import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEndpoint, type ApiStyle } from "../../../src/captions/llm/endpoint.js";
import { createModelClient } from "../../../src/captions/llm/model-client.js";
import { startFakeLlm, type FakeLlm } from "../../support/fake-llm.js";

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm({ answer: (call) => `echo: ${call.prompt}` });
});
afterAll(() => fake.close());

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 9, 9]);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const client = (api: ApiStyle, url = fake.url) => createModelClient(createEndpoint({ url, model: "qwen2.5vl:7b", api, env: {} }));
const last = () => fake.requests.at(-1)!;

describe("OpenAI-compatible chat", () => {
  it("sends text and image_url parts with data URIs, temperature, max_tokens and seed", async () => {
    const text = await client("openai").chat({ system: "Be brief.", prompt: "What changed?", images: [PNG, JPEG], temperature: 0.2, maxTokens: 256, seed: 7 });
    expect(text).toBe("echo: What changed?");
    expect(last().path).toBe("/v1/chat/completions");
    expect(last().headers["content-type"]).toBe("application/json");
    expect(last().body).toEqual({
      model: "qwen2.5vl:7b",
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "What changed?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${b64(PNG)}` } },
            { type: "image_url", image_url: { url: `data:image/jpeg;base64,${b64(JPEG)}` } },
          ],
        },
      ],
      temperature: 0.2,
      max_tokens: 256,
      seed: 7,
      stream: false,
    });
  });

  it("sends a plain string content without images, and does not double a /v1 base", async () => {
    await client("openai", `${fake.url}/v1`).chat({ prompt: "hello", temperature: 0.8, maxTokens: 128 });
    expect(last().path).toBe("/v1/chat/completions");
    expect(last().body).toEqual({ model: "qwen2.5vl:7b", messages: [{ role: "user", content: "hello" }], temperature: 0.8, max_tokens: 128, stream: false });
  });

  it("embeds through /v1/embeddings, in input order", async () => {
    const vectors = await client("openai").embed(["ab", "b"], "nomic-embed-text", undefined);
    expect(last().path).toBe("/v1/embeddings");
    expect(last().body).toEqual({ model: "nomic-embed-text", input: ["ab", "b"] });
    expect(vectors[0]!.slice(0, 3)).toEqual([1, 1, 0]);
    expect(vectors[1]!.slice(0, 3)).toEqual([0, 1, 0]);
  });

  it("rejects an answer without choices with a clear error", async () => {
    const odd = await startFakeLlm({ intercept: () => ({ json: { choices: [] } }) });
    try {
      await expect(client("openai", odd.url).chat({ prompt: "x", temperature: 0, maxTokens: 1 })).rejects.toThrow(/does not have the OpenAI shape/);
    } finally {
      await odd.close();
    }
  });
});

describe("Ollama native chat", () => {
  it("sends base64 images without a data: prefix and options with temperature and num_predict", async () => {
    const text = await client("ollama").chat({ prompt: "Describe.", images: [PNG], temperature: 0, maxTokens: 64, seed: 3 });
    expect(text).toBe("echo: Describe.");
    expect(last().path).toBe("/api/chat");
    expect(last().body).toEqual({
      model: "qwen2.5vl:7b",
      stream: false,
      messages: [{ role: "user", content: "Describe.", images: [b64(PNG)] }],
      options: { temperature: 0, num_predict: 64, seed: 3 },
    });
    expect(String((last().body as { messages: { images: string[] }[] }).messages[0]!.images[0])).not.toMatch(/^data:/);
  });

  it("embeds through /api/embed", async () => {
    const vectors = await client("ollama").embed(["c", "cc"], "all-minilm", undefined);
    expect(last().path).toBe("/api/embed");
    expect(last().body).toEqual({ model: "all-minilm", input: ["c", "cc"] });
    expect(vectors.map((v) => v[2])).toEqual([1, 2]);
  });

  it("refuses images that are not PNG or JPEG before sending", async () => {
    const before = fake.requests.length;
    await expect(client("ollama").chat({ prompt: "x", images: [Uint8Array.from([1, 2, 3])], temperature: 0, maxTokens: 1 })).rejects.toThrow(/PNG or JPEG/);
    expect(fake.requests.length).toBe(before);
  });
});
