import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEndpoint } from "../../../src/captions/llm/endpoint.js";
import { createModelClient } from "../../../src/captions/llm/model-client.js";
import { captionSimilarity, cosine, tokenOverlapSimilarity } from "../../../src/captions/llm/similarity.js";
import { captionWithVlm } from "../../../src/captions/llm/vlm-captioner.js";
import { differencePrompt, regionPrompt } from "../../../src/captions/questions.js";
import type { BoxCoords } from "../../../src/vision/box.js";
import { rgbImage, type RgbImage } from "../../../src/vision/image.js";
import { letterEmbedding, startFakeLlm, type ChatCall, type FakeLlm } from "../../support/fake-llm.js";

const W = 80;
const H = 60;
const GRAY = [128, 128, 128] as const;
function picture(square: readonly [number, number, number]): RgbImage {
  const img = rgbImage(W, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const c = x >= 20 && x < 40 && y >= 15 && y < 30 ? square : GRAY;
      img.data.set(c, (y * W + x) * 3);
    }
  }
  return img;
}
const A = picture([0, 0, 255]);
const B = picture([0, 200, 0]);
const SQUARE: BoxCoords = [20, 15, 40, 30];
const BACKGROUND: BoxCoords = [50, 35, 70, 55];

async function decode(b64: string) {
  return sharp(Buffer.from(b64, "base64")).raw().toBuffer({ resolveWithObject: true });
}
const pixel = (raw: { data: Buffer; info: { width: number } }, x: number, y: number) => [...raw.data.subarray((y * raw.info.width + x) * 3, (y * raw.info.width + x) * 3 + 3)];

/** Region captions from the colour at the box centre of the one image sent; a fixed stage-2 answer. */
async function script(call: ChatCall): Promise<string> {
  expect(call.images).toHaveLength(1);
  const raw = await decode(call.images[0]!);
  if (call.prompt.startsWith("Please provide")) {
    const [x1, y1, x2, y2] = JSON.parse(call.prompt.slice(call.prompt.indexOf("["), call.prompt.lastIndexOf("]") + 1)) as number[];
    const [r, g, b] = pixel(raw, Math.floor(((x1! + x2!) / 2) * W), Math.floor(((y1! + y2!) / 2) * H));
    if (b === 255) return "A blue square.";
    if (g === 200 && r === 0) return " A green\n square. ";
    return "Plain gray background.";
  }
  return "The left image shows a blue square, while the right image shows a green square. The difference is the colour.";
}

let fake: FakeLlm;
beforeAll(async () => {
  fake = await startFakeLlm({ answer: script, embed: (text, model) => (model === "flat" ? [1, 0] : letterEmbedding(text)) });
});
afterAll(() => fake.close());

for (const api of ["openai", "ollama"] as const) {
  describe(`captionWithVlm over ${api}`, () => {
    const client = () => createModelClient(createEndpoint({ url: fake.url, model: "llava:7b", api, env: {} }));

    it("captions each clean image, then the red-boxed side-by-side image with the paper's prompt", async () => {
      const before = fake.requests.length;
      const { captions, dropped } = await captionWithVlm({ client: client(), imageA: A, imageB: B, boxes: [SQUARE], kind: "replace" });
      expect(dropped).toEqual([]);
      expect(captions).toEqual({
        kind: "replace",
        regions: [
          {
            box: SQUARE,
            caption1: "A blue square.",
            caption2: "A green square.",
            difference: "The left image shows a blue square, while the right image shows a green square. The difference is the colour.",
          },
        ],
      });
      const calls = fake.chatCalls().slice(-3);
      expect(fake.requests.length - before).toBe(3);
      const [region1, region2, diff] = calls as [ChatCall, ChatCall, ChatCall];
      expect(region1.prompt).toBe(regionPrompt("[0.25, 0.25, 0.50, 0.50]"));
      expect(region2.prompt).toBe(region1.prompt);
      // Stage 1 images are the clean A and B, pixel for pixel.
      const sent = await Promise.all([region1, region2].map((c) => decode(c.images[0]!)));
      expect(sent.map((s) => Buffer.compare(s.data, Buffer.from(A.data)) === 0 || Buffer.compare(s.data, Buffer.from(B.data)) === 0)).toEqual([true, true]);
      expect(new Set(sent.map((s) => pixel(s, 30, 20).join()))).toEqual(new Set(["0,0,255", "0,200,0"]));
      // Greedy sampling with the paper's token limits.
      const sampling = (c: ChatCall) => {
        const body = c.request.body as Record<string, unknown>;
        return api === "openai" ? [body["temperature"], body["max_tokens"]] : [(body["options"] as Record<string, unknown>)["temperature"], (body["options"] as Record<string, unknown>)["num_predict"]];
      };
      expect([region1, diff].map(sampling)).toEqual([[0, 64], [0, 128]]);
      // Stage 2: the two red-boxed images side by side with a 20-px black bar.
      expect(diff.prompt).toBe(differencePrompt("A blue square.", "A green square."));
      const composite = await decode(diff.images[0]!);
      expect([composite.info.width, composite.info.height]).toEqual([2 * W + 20, H]);
      expect(pixel(composite, 15, 20)).toEqual([255, 0, 0]); // the outline 5 px left of the box in A
      expect(pixel(composite, W + 20 + 15, 20)).toEqual([255, 0, 0]); // the same in B
      expect(pixel(composite, W + 10, 20)).toEqual([0, 0, 0]); // the bar
      expect(pixel(composite, W + 20 + 30, 20)).toEqual([0, 200, 0]); // B's square, untouched
    });

    it("drops a box whose captions are alike (token-overlap stand-in) and keeps the rest", async () => {
      const { captions, dropped } = await captionWithVlm({ client: client(), imageA: A, imageB: B, boxes: [BACKGROUND, SQUARE], kind: "replace" });
      expect(captions.regions.map((r) => r.box)).toEqual([SQUARE]);
      expect(dropped).toEqual([
        { box: BACKGROUND, caption1: "Plain gray background.", caption2: "Plain gray background.", similarity: { score: 1, method: "token-overlap" }, reason: "captions_similar" },
      ]);
    });

    it("uses the embedding model for the similarity when one is named", async () => {
      const { dropped } = await captionWithVlm({ client: client(), imageA: A, imageB: B, boxes: [SQUARE], kind: "replace", embeddingModel: "flat" });
      expect(dropped.map((d) => d.similarity)).toEqual([{ score: 1, method: "embedding" }]);
      const embedPath = api === "openai" ? "/v1/embeddings" : "/api/embed";
      expect(fake.requests.at(-1)).toMatchObject({ path: embedPath, body: { model: "flat", input: ["A blue square.", "A green square."] } });
      const kept = await captionWithVlm({ client: client(), imageA: A, imageB: B, boxes: [SQUARE], kind: "replace", embeddingModel: "letters" });
      expect(kept.captions.regions).toHaveLength(1);
    });
  });
}

describe("caption similarity", () => {
  it("token overlap: same content words score 1, disjoint 0, paraphrases 0 (a documented limit)", () => {
    expect(tokenOverlapSimilarity("A red car.", "the red cars")).toBe(1);
    expect(tokenOverlapSimilarity("A red car.", "A blue bicycle.")).toBe(0);
    expect(tokenOverlapSimilarity("A puppy.", "A young dog.")).toBe(0);
    const partial = tokenOverlapSimilarity("A red car parked.", "A red bus parked.");
    expect(partial).toBeCloseTo(2 / 3, 6);
  });

  it("embedding cosine when a model is named, else the stand-in", async () => {
    const client = createModelClient(createEndpoint({ url: fake.url, model: "m", api: "ollama", env: {} }));
    const withModel = await captionSimilarity("abc", "abd", { client, embeddingModel: "letters" });
    expect(withModel).toEqual({ score: cosine(letterEmbedding("abc"), letterEmbedding("abd")), method: "embedding" });
    expect(await captionSimilarity("abc", "abd", { client, embeddingModel: " " })).toEqual({ score: 0, method: "token-overlap" });
  });
});

describe("the image-text match judged by the VLM (the stand-in for the paper's BLIP check)", () => {
  /** Region captions as `script`, but image B's square is called blue; the judge looks at the crop's centre. */
  async function liar(call: ChatCall): Promise<string> {
    const raw = await decode(call.images[0]!);
    if (call.prompt.startsWith("Does this image show")) {
      const [r, g, b] = pixel(raw, Math.floor(raw.info.width / 2), Math.floor(raw.info.height / 2));
      const colour = b === 255 ? "blue" : g === 200 && r === 0 ? "green" : "gray";
      crops.push([raw.info.width, raw.info.height]);
      return call.prompt.toLowerCase().includes(colour) ? "Yes." : "No";
    }
    if (call.prompt.startsWith("Please provide")) return "A blue square.";
    return script(call);
  }
  const crops: Array<[number, number]> = [];
  let judge: FakeLlm;
  beforeAll(async () => {
    judge = await startFakeLlm({ answer: liar });
  });
  afterAll(() => judge.close());

  it("asks about each crop (the box grown by 5 px) with its own caption; a no drops the box", async () => {
    const client = createModelClient(createEndpoint({ url: judge.url, model: "llava:7b", api: "openai", env: {} }));
    // The captions are alike, so the similarity filter is off (1) to reach the match.
    const { captions, dropped } = await captionWithVlm({ client, imageA: A, imageB: B, boxes: [SQUARE], kind: "replace", similarityThreshold: 1, imageTextMatch: true });
    expect(captions.regions).toEqual([]);
    expect(dropped).toMatchObject([{ reason: "caption_image_mismatch", matches: [true, false] }]);
    expect(crops).toEqual([[30, 25], [30, 25]]);
    expect(judge.chatCalls().filter((c) => c.prompt.startsWith("Does this image show the following? A blue square."))).toHaveLength(2);
  });

  it("without it, the same pair is kept", async () => {
    const client = createModelClient(createEndpoint({ url: judge.url, model: "llava:7b", api: "openai", env: {} }));
    const { captions } = await captionWithVlm({ client, imageA: A, imageB: B, boxes: [SQUARE], kind: "replace", similarityThreshold: 1 });
    expect(captions.regions).toHaveLength(1);
  });
});
