/**
 * Decoding encoded image bytes (PNG, JPEG, WebP, TIFF, GIF, AVIF, SVG: whatever sharp reads) into
 * the project's 8-bit RGB rasters, with stable ImageError codes for every way an input can fail.
 *
 * Choices, applied the same way on every path:
 * - EXIF orientation is applied (auto-orient), so pixel (0,0) is the top-left the viewer sees.
 * - Alpha is flattened onto black, the colour ComfyUI gives fully transparent pixels when it drops
 *   the alpha channel, so a PNG with transparency decodes as ComfyUI would show it.
 * - Greyscale and CMYK inputs are converted to sRGB; 16-bit inputs are reduced to 8 bits.
 * - Only the first page/frame of multi-page inputs (GIF, TIFF) is read.
 */
import sharp from "sharp";
import type { Metadata, OutputInfo, Sharp } from "sharp";
import { ImageError } from "../errors.js";
import { rgbImage, type RgbImage } from "./image.js";

/** Least side of a working raster: room for the border strip and a few pixels of content. */
const MIN_WORK_SIDE = 16;

/** Default ceiling on decoded pixels: 64 megapixels (e.g. 8192x8192), 192 MB as RGB. */
export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;

export interface DecodeOptions {
  /** Names the input in error messages, e.g. a file name or "node 4 image_b". */
  readonly source: string;
  /** Largest accepted width*height after orientation; default DEFAULT_MAX_PIXELS. */
  readonly maxPixels?: number;
}

export interface DetectionDecodeOptions extends DecodeOptions {
  /** Long side of the raster the detector works on; the image is shrunk while decoding. */
  readonly workSize: number;
}

/** A raster shrunk for detection, with the size of the full-resolution image it came from. */
export interface WorkRaster {
  readonly image: RgbImage;
  readonly width: number;
  readonly height: number;
}

export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<RgbImage> {
  const { width, height } = await readHeader(bytes, options);
  const pipeline = orientedRgb(bytes);
  return runPipeline(pipeline, options.source, width, height);
}

/**
 * Decode straight to the detector's working size: libvips shrinks while decoding (JPEG
 * shrink-on-load, and no full-size raster ever reaches JavaScript), which is what makes the
 * file-to-file detection path fast.
 */
export async function decodeForDetection(
  bytes: Uint8Array,
  options: DetectionDecodeOptions,
): Promise<WorkRaster> {
  const { width, height } = await readHeader(bytes, options);
  const work = workDimensions(width, height, options.workSize);
  // A linear (triangle) kernel: averaging is what the detector wants from shrinking, and it is
  // the cheapest of libvips's kernels.
  const pipeline = orientedRgb(bytes).resize(work.width, work.height, { fit: "fill", kernel: "linear" });
  const image = await runPipeline(pipeline, options.source, work.width, work.height);
  return { image, width, height };
}

/**
 * The working raster for an image of width x height: shrunk by the integer factor that brings
 * the long side to at most workSize (never enlarged). Integer factors keep block averaging exact
 * for in-memory inputs and make the decode path and the in-memory path agree.
 */
export function workDimensions(
  width: number,
  height: number,
  workSize: number,
): { width: number; height: number; factor: number } {
  // The short side keeps at least MIN_WORK_SIDE pixels, or a thin image (4000x40) would shrink
  // to a row or two that the detector's border strip blanks out entirely.
  const wanted = Math.ceil(Math.max(width, height) / Math.max(1, Math.floor(workSize)));
  const factor = Math.max(1, Math.min(wanted, Math.floor(Math.min(width, height) / MIN_WORK_SIDE)));
  return {
    width: Math.max(1, Math.floor(width / factor)),
    height: Math.max(1, Math.floor(height / factor)),
    factor,
  };
}

function orientedRgb(bytes: Uint8Array): Sharp {
  return sharp(bytes, { limitInputPixels: false, failOn: "error", sequentialRead: true })
    .autoOrient()
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .toColourspace("srgb")
    .removeAlpha();
}

async function readHeader(
  bytes: Uint8Array,
  { source, maxPixels = DEFAULT_MAX_PIXELS }: DecodeOptions,
): Promise<{ width: number; height: number }> {
  if (bytes.length === 0) {
    throw new ImageError("IMAGE_EMPTY", source, "the input is empty (0 bytes); expected encoded image bytes");
  }
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw new ImageError(
      "IMAGE_UNSUPPORTED",
      source,
      `not a readable image (${bytes.length} bytes, starting ${hexPrefix(bytes)}); expected PNG, JPEG, WebP, TIFF, GIF or AVIF (${errorText(cause)})`,
      { cause },
    );
  }
  const width = metadata.autoOrient?.width ?? metadata.width;
  const height = metadata.autoOrient?.height ?? metadata.height;
  if (!width || !height) {
    throw new ImageError("IMAGE_CORRUPT", source, `the ${metadata.format} header has no usable size`);
  }
  if (width * height > maxPixels) {
    throw new ImageError(
      "IMAGE_TOO_LARGE",
      source,
      `${width}x${height} is ${width * height} pixels, more than the limit of ${maxPixels}; resize it or raise maxPixels`,
    );
  }
  return { width, height };
}

async function runPipeline(
  pipeline: Sharp,
  source: string,
  width: number,
  height: number,
): Promise<RgbImage> {
  let output: { data: Buffer; info: OutputInfo };
  try {
    output = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw new ImageError(
      "IMAGE_CORRUPT",
      source,
      `the header reads as a ${width}x${height} image but the pixels cannot be decoded (truncated or damaged file): ${errorText(cause)}`,
      { cause },
    );
  }
  const { data, info } = output;
  if (info.channels !== 3 || info.width !== width || info.height !== height) {
    // libvips promises this shape for the pipeline above; anything else is a damaged file.
    throw new ImageError(
      "IMAGE_CORRUPT",
      source,
      `decoded to ${info.width}x${info.height} with ${info.channels} channels, expected ${width}x${height} RGB`,
    );
  }
  return rgbImage(width, height, new Uint8Array(data.buffer, data.byteOffset, data.length));
}

function hexPrefix(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}
