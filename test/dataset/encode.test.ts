import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { encodeImage } from "../../src/dataset/encode.js";
import { ImageError } from "../../src/errors.js";
import { rgbImage } from "../../src/vision/image.js";
import { BACKGROUND, BOX, OBJECT_A, paint } from "./support.js";

describe("encodeImage", () => {
  const img = paint(64, 48, BACKGROUND, BOX, OBJECT_A);

  it("PNG round-trips the pixels exactly", async () => {
    const png = await encodeImage(img, "png");
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels, info.format]).toEqual([64, 48, 3, "raw"]);
    expect(new Uint8Array(data)).toEqual(img.data);
  });

  it("JPEG is deterministic and quality changes the bytes", async () => {
    const a = await encodeImage(img, "jpg");
    const b = await encodeImage(img, "jpg");
    expect(a.equals(b)).toBe(true);
    expect((await sharp(a).metadata()).format).toBe("jpeg");
    const low = await encodeImage(img, "jpg", 20);
    expect(low.equals(a)).toBe(false);
  });

  it("accepts a view into a larger buffer", async () => {
    const big = new Uint8Array(10 + img.data.length);
    big.set(img.data, 10);
    const view = rgbImage(64, 48, big.subarray(10));
    expect((await encodeImage(view, "png")).equals(await encodeImage(img, "png"))).toBe(true);
  });

  it("rejects a buffer of the wrong length and a bad quality", async () => {
    await expect(encodeImage({ width: 4, height: 4, data: new Uint8Array(10) }, "png")).rejects.toBeInstanceOf(ImageError);
    await expect(encodeImage({ width: 4, height: 4, data: new Uint8Array(10) }, "png")).rejects.toThrow(/48 bytes.*10 bytes/);
    await expect(encodeImage(img, "jpg", 0)).rejects.toThrow(RangeError);
  });
});
