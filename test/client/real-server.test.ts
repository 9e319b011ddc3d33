// Opt-in: the client against a real ComfyUI (COMFYUI_URL=http://127.0.0.1:8188 npx vitest run test/client/real-server.test.ts).
// Uses only model-free nodes, so a CPU-only server without weights is enough.
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { ComfyClient } from "../../src/client/client.js";
import { ComfyValidationError } from "../../src/client/errors.js";

const url = process.env["COMFYUI_URL"];

describe.skipIf(!url)("ComfyClient on a real ComfyUI server", () => {
  const client = new ComfyClient({ baseUrl: url ?? "http://127.0.0.1:8188" });
  afterAll(() => client.close());

  it("uploads, runs LoadImage → ImageInvert → SaveImage, and downloads the inverted pixels", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 100, b: 200 } } }).png().toBuffer();
    const uploaded = await client.uploadImage(png, { name: "imgdiff-client-test.png", subfolder: "imgdiff-test" });
    const result = await client.run({
      "1": { class_type: "LoadImage", inputs: { image: `imgdiff-test/${uploaded.name}` } },
      "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
      "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "imgdiff-test/invert" } },
    });
    const pixels = await sharp(result.outputs["3"]!.images[0]!.bytes).removeAlpha().raw().toBuffer();
    // 255 - x, or one less: ComfyUI converts through float32 and truncates.
    const expected = [245, 155, 55];
    expect([...pixels.subarray(0, 3)].every((v, i) => v <= expected[i]! && v >= expected[i]! - 1)).toBe(true);
  });

  it("types a validation error", async () => {
    const error = await client
      .run({ "1": { class_type: "EmptyImage", inputs: { width: 0, height: 8, batch_size: 1, color: 0 } }, "2": { class_type: "SaveImage", inputs: { images: ["1", 0], filename_prefix: "x" } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyValidationError);
  });
});
