import { crc32 } from "node:zlib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ImageError } from "../../src/errors.js";
import { decodeForDetection, decodeImage } from "../../src/vision/decode.js";
import { encodePng, texturedImage } from "./helpers.js";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ImageError);
    return (error as ImageError).code;
  }
  throw new Error("expected a rejection");
}

describe("decodeImage", () => {
  it("round-trips an RGB PNG exactly", async () => {
    const image = texturedImage(40, 30);
    const decoded = await decodeImage(await encodePng(image), { source: "t.png" });
    expect(decoded.width).toBe(40);
    expect(decoded.height).toBe(30);
    expect(Buffer.from(decoded.data).equals(Buffer.from(image.data))).toBe(true);
  });

  it("flattens alpha onto black and converts greyscale to RGB", async () => {
    const half = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 200, g: 100, b: 50, alpha: 0.5 } } }).png().toBuffer();
    const rgba = await decodeImage(half, { source: "alpha.png" });
    expect(Array.from(rgba.data.subarray(0, 3))).toEqual([100, 50, 25]);
    const grey = await sharp({ create: { width: 4, height: 4, channels: 3, background: "#808080" } }).greyscale().png().toBuffer();
    const decoded = await decodeImage(grey, { source: "grey.png" });
    expect(decoded.data.length).toBe(4 * 4 * 3);
    expect(Array.from(decoded.data.subarray(0, 3))).toEqual([128, 128, 128]);
  });

  it("applies the EXIF orientation", async () => {
    const raw = texturedImage(40, 20);
    const rotated = await sharp(raw.data, { raw: { width: 40, height: 20, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const decoded = await decodeImage(rotated, { source: "exif.jpg" });
    expect([decoded.width, decoded.height]).toEqual([20, 40]);
  });

  it("names each failure with a stable code and the source", async () => {
    expect(await codeOf(decodeImage(new Uint8Array(0), { source: "empty.png" }))).toBe("IMAGE_EMPTY");
    expect(await codeOf(decodeImage(Buffer.from("not an image at all"), { source: "notes.txt" }))).toBe("IMAGE_UNSUPPORTED");
    const png = await encodePng(texturedImage(64, 64));
    expect(await codeOf(decodeImage(png.subarray(0, png.length - 60), { source: "cut.png" }))).toBe("IMAGE_CORRUPT");
    expect(await codeOf(decodeImage(png, { source: "big.png", maxPixels: 64 * 63 }))).toBe("IMAGE_TOO_LARGE");
    await expect(decodeImage(new Uint8Array(0), { source: "empty.png" })).rejects.toThrow(/^empty\.png: /);
  });

  it("checks the pixel limit from the header, before decoding", async () => {
    // A small PNG whose header claims 20000x20000: only a header check can call it too large
    // (decoding would fail on the missing pixels and report IMAGE_CORRUPT instead).
    const png = Buffer.from(await encodePng(texturedImage(8, 8)));
    png.writeUInt32BE(20000, 16);
    png.writeUInt32BE(20000, 20);
    png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
    await expect(decodeImage(png, { source: "huge.png" })).rejects.toMatchObject({ code: "IMAGE_TOO_LARGE", source: "huge.png" });
    await expect(decodeImage(png, { source: "huge.png", maxPixels: 1e9 })).rejects.toMatchObject({ code: "IMAGE_CORRUPT" });
  });
});

describe("decodeForDetection", () => {
  it("shrinks to the working size by a whole factor and reports the full size", async () => {
    const png = await encodePng(texturedImage(300, 200));
    const raster = await decodeForDetection(png, { source: "w.png", workSize: 128 });
    expect([raster.width, raster.height]).toEqual([300, 200]);
    // factor ceil(300 / 128) = 3 -> 100 x 66
    expect([raster.image.width, raster.image.height]).toEqual([100, 66]);
  });
});
