/**
 * PNG in and out through sharp, plus the tEXt chunks sharp does not write: ComfyUI stores the
 * executed prompt and each extra_pnginfo key (normally `workflow`) as tEXt chunks after IHDR.
 */
import { crc32 } from "node:zlib";
import sharp from "sharp";
import { tensor, type Tensor } from "./tensors.js";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

interface Chunk {
  readonly type: string;
  readonly data: Buffer;
  readonly raw: Buffer;
}

function chunks(png: Buffer): Chunk[] {
  const out: Chunk[] = [];
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    out.push({ type, data: png.subarray(at + 8, at + 8 + length), raw: png.subarray(at, at + 12 + length) });
    at += 12 + length;
  }
  return out;
}

export function isPng(bytes: Buffer): boolean {
  return bytes.length > 8 && bytes.subarray(0, 8).equals(SIGNATURE);
}

export function readTextChunks(png: Buffer): Array<[string, string]> {
  if (!isPng(png)) return [];
  return chunks(png)
    .filter((c) => c.type === "tEXt")
    .map((c) => {
      const nul = c.data.indexOf(0);
      return [c.data.toString("latin1", 0, nul), c.data.toString("latin1", nul + 1)] as [string, string];
    });
}

/** Insert tEXt chunks right after IHDR, in the given order. Text is Latin-1 as in PIL. */
export function withTextChunks(png: Buffer, texts: ReadonlyArray<readonly [string, string]>): Buffer {
  const all = chunks(png).filter((c) => c.type !== "tEXt");
  const text = texts.map(([key, value]) => chunk("tEXt", Buffer.concat([Buffer.from(key, "latin1"), Buffer.from([0]), Buffer.from(value, "latin1")])));
  return Buffer.concat([SIGNATURE, all[0]!.raw, ...text, ...all.slice(1).map((c) => c.raw)]);
}

/** One frame of an IMAGE to 8-bit RGB the way SaveImage does: clip(255 * x) then truncate. */
export function toRgb8(image: Tensor, index = 0): Buffer {
  const size = image.height * image.width * 3;
  const out = Buffer.alloc(size);
  const offset = index * size;
  for (let i = 0; i < size; i++) {
    const v = Math.fround(255 * image.data[offset + i]!);
    out[i] = v <= 0 || Number.isNaN(v) ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
  return out;
}

export async function encodeRgbPng(rgb: Buffer, width: number, height: number, compressionLevel: number, texts: ReadonlyArray<readonly [string, string]> = []): Promise<Buffer> {
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel }).toBuffer();
  return texts.length > 0 ? withTextChunks(png, texts) : png;
}

export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** RGBA, 8 bits a channel. */
  readonly rgba: Buffer;
  readonly hasAlpha: boolean;
}

export async function decodeImage(bytes: Buffer): Promise<DecodedImage> {
  const meta = await sharp(bytes).metadata();
  const { data, info } = await sharp(bytes).rotate().ensureAlpha().toColourspace("srgb").raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgba: data, hasAlpha: meta.hasAlpha === true };
}

/** Pixels of a decoded image as an IMAGE tensor of one frame (`np.array(img) / 255`). */
export function imageTensor(decoded: DecodedImage): Tensor {
  const t = tensor(1, decoded.height, decoded.width, 3);
  for (let p = 0, n = decoded.width * decoded.height; p < n; p++) {
    for (let k = 0; k < 3; k++) t.data[p * 3 + k] = decoded.rgba[p * 4 + k]! / 255;
  }
  return t;
}

/** One channel (0..3 of RGBA) as a MASK of one frame, optionally inverted (1 - v). */
export function channelMask(decoded: DecodedImage, channel: number, invert: boolean): Tensor {
  const t = tensor(1, decoded.height, decoded.width, 1);
  for (let p = 0, n = decoded.width * decoded.height; p < n; p++) {
    const v = Math.fround(decoded.rgba[p * 4 + channel]! / 255);
    t.data[p] = invert ? 1 - v : v;
  }
  return t;
}
