/**
 * The project's SDXL inpainting graphs run end to end on the fake server: pixels outside the
 * (grown) mask stay identical to the source after the paste-back, and the content inside the
 * mask depends on the positive prompt and the seed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeComfy, type FakeComfy } from "../support/fake-comfy/index.js";
import { readTextChunks } from "../support/fake-comfy/png.js";
import { isDone, postPrompt, record, uploadImage } from "./helpers.js";

const graph = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/comfyui-examples", name), "utf8"));
const SIZE = 64;
const RECT = { x0: 24, y0: 20, x1: 40, y1: 36 };

async function rgb(bytes: Buffer): Promise<Buffer> {
  return (await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })).data;
}

/** Chebyshev distance from pixel (x, y) to the mask rectangle. */
const distance = (x: number, y: number) => Math.max(RECT.x0 - x, x - (RECT.x1 - 1), RECT.y0 - y, y - (RECT.y1 - 1), 0);

describe("SDXL inpaint graphs (api_sdxl_inpaint_replace.json, api_sdxl_inpaint_remove.json)", () => {
  let fake: FakeComfy;
  let source: Buffer;
  beforeAll(async () => {
    fake = await startFakeComfy({ executionMs: 30 });
    const pixels = Buffer.alloc(SIZE * SIZE * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 251;
    const png = await sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toBuffer();
    source = await rgb(png);
    expect((await uploadImage(fake.url, png, "source_00001_.png", { type: "output", subfolder: "imgdiff" })).status).toBe(200);
    const mask = Buffer.alloc(SIZE * SIZE * 3);
    for (let y = RECT.y0; y < RECT.y1; y++) for (let x = RECT.x0; x < RECT.x1; x++) mask.fill(255, (y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3);
    const maskPng = await sharp(mask, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toBuffer();
    expect((await uploadImage(fake.url, maskPng, "mask_0001.png", { subfolder: "imgdiff" })).status).toBe(200);
  });
  afterAll(() => fake.close());

  async function run(prompt: Record<string, any>): Promise<{ pixels: Buffer; png: Buffer; steps: number }> {
    const rec = await record(fake.url, "inpaint-test");
    const reply = await postPrompt(fake.url, { prompt, client_id: "inpaint-test", extra_data: { extra_pnginfo: { workflow: { nodes: [] } } } });
    expect(reply.status).toBe(200);
    expect(reply.body.node_errors).toEqual({});
    await rec.waitFor(isDone(reply.body.prompt_id));
    await rec.close();
    expect(rec.messages.some((m) => m.type === "execution_error")).toBe(false);
    const image = rec.messages.find((m) => m.type === "executed" && m.data.node === "11")!.data.output.images[0];
    const res = await fetch(`${fake.url}/view?filename=${image.filename}&subfolder=${image.subfolder}&type=${image.type}`);
    const png = Buffer.from(await res.arrayBuffer());
    return { pixels: await rgb(png), png, steps: rec.messages.filter((m) => m.type === "progress").length };
  }

  const withText = (prompt: Record<string, any>, text: string, seed?: number) => {
    const p = structuredClone(prompt);
    p["5"].inputs.text = text;
    if (seed !== undefined) p["8"].inputs.seed = seed;
    return p;
  };

  /** Changed pixels farther than `grow` from the mask rectangle, and inside it. */
  function compare(a: Buffer, b: Buffer, grow = 8) {
    let outsideChanged = 0;
    let insideChanged = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const i = (y * SIZE + x) * 3;
        const same = a[i] === b[i] && a[i + 1] === b[i + 1] && a[i + 2] === b[i + 2];
        if (!same && distance(x, y) > grow) outsideChanged++;
        if (!same && distance(x, y) === 0) insideChanged++;
      }
    }
    return { outsideChanged, insideChanged };
  }

  it("replace: only pixels inside the grown mask change; prompts X and Y differ there", async () => {
    const replace = graph("api_sdxl_inpaint_replace.json");
    const x = await run(withText(replace, "a blue motorcycle"));
    const y = await run(withText(replace, "a red scooter"));
    expect(x.steps).toBe(replace["8"].inputs.steps);
    for (const out of [x, y]) {
      const { outsideChanged, insideChanged } = compare(out.pixels, source);
      expect(outsideChanged).toBe(0);
      expect(insideChanged).toBeGreaterThan(100);
    }
    expect(compare(x.pixels, y.pixels).insideChanged).toBeGreaterThan(100);
    expect(readTextChunks(x.png).map(([k]) => k)).toEqual(["prompt", "workflow"]);
  });

  it("is deterministic: the same prompt and seed give the same pixels, another seed others", async () => {
    const replace = graph("api_sdxl_inpaint_replace.json");
    const a = await run(withText(replace, "a green tractor", 1));
    const b = await run(withText(replace, "a green tractor ", 1));
    const c = await run(withText(replace, "a green tractor", 2));
    expect(compare(a.pixels, b.pixels).insideChanged).toBeGreaterThan(0);
    const again = await run(withText(replace, "a green tractor", 1));
    expect(again.pixels.equals(a.pixels)).toBe(true);
    expect(compare(a.pixels, c.pixels).insideChanged).toBeGreaterThan(100);
  });

  it("remove: VAEEncodeForInpaint greys and regenerates only inside the mask", async () => {
    const remove = graph("api_sdxl_inpaint_remove.json");
    const out = await run(remove);
    const { outsideChanged, insideChanged } = compare(out.pixels, source, remove["4"].inputs.expand);
    expect(outsideChanged).toBe(0);
    expect(insideChanged).toBeGreaterThan(100);
  });

  it("an unknown checkpoint fails validation with value_not_in_list", async () => {
    const prompt = graph("api_sdxl_inpaint_replace.json");
    prompt["1"].inputs.ckpt_name = "missing.safetensors";
    const reply = await postPrompt(fake.url, { prompt });
    expect(reply.status).toBe(400);
    expect(reply.body.node_errors["1"].errors[0].type).toBe("value_not_in_list");
  });
});
