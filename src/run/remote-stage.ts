/**
 * One remote stage of one sample as one ComfyUI prompt: the stage's ComfyUI nodes with their
 * per-sample widget values (seeds, dynamic prompts, filename prefixes); local IMAGE inputs uploaded as PNGs and read with LoadImage; a local MASK of
 * the same size as a local IMAGE of the stage goes into that PNG's alpha channel and comes out of
 * the same LoadImage (its MASK output is 1 - alpha), other masks are uploaded as black/white
 * PNGs and read with LoadImageMask (channel red: white = 1); local primitives written in as
 * literals; remote IMAGE outputs that local nodes need tapped with PreviewImage (MASK ones
 * through MaskToImage first), downloaded and decoded.
 */
import sharp from "sharp";
import type { ApiNode, ApiPrompt } from "../graph/api-prompt.js";
import { isLink } from "../graph/api-prompt.js";
import type { PromptSource } from "../client/client.js";
import type { RunOptions, RunResult } from "../client/run-prompt.js";
import type { UploadOptions } from "../client/routes.js";
import type { UploadResponse } from "../client/http-schemas.js";
import type { NodeReport } from "../nodes/define.js";
import { decodeImage } from "../vision/decode.js";
import { mask, type Mask, type RgbImage } from "../vision/image.js";
import { ImgDiffError } from "../errors.js";
import { retryTransient } from "../client/retry.js";
import { valueKey, type RemoteStage, type StageInput, type ValueRef } from "./plan.js";

/**
 * What runs remote stages: a ComfyClient or a ServerPool, as they are. The stage's prompt is a
 * PromptSource, so its input files are uploaded to the server that runs it, and to another one
 * only if the pool moves the prompt there.
 */
export interface RemoteRunner {
  run(prompt: PromptSource, options?: RunOptions): Promise<RunResult>;
}

export interface StageContext {
  readonly prompt: ApiPrompt;
  /** Local values by valueKey(). */
  readonly values: ReadonlyMap<string, unknown>;
  /** Per-sample widget values (seeds, dynamic prompts, filename prefixes): node id -> input -> value. */
  readonly widgets: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
  readonly runner: RemoteRunner;
  readonly signal?: AbortSignal;
}

/** Where a stage's inputs go: the server that will run its prompt. */
export interface Uploader {
  readonly baseUrl: string;
  uploadImage(data: Uint8Array, options?: UploadOptions): Promise<UploadResponse>;
}

export interface StageResult {
  /** Tapped values by valueKey(). */
  readonly values: ReadonlyMap<string, RgbImage | Mask>;
  /** The ui dict of each graph output node the stage ran (images as server file references). */
  readonly reports: Readonly<Record<string, NodeReport>>;
}

/** Node ids of the nodes a stage adds; ComfyUI takes any string as an id. */
const loaderId = (ref: ValueRef) => `imgdiff:in:${ref.nodeId}:${ref.slot}`;
const tapId = (ref: ValueRef) => `imgdiff:tap:${ref.nodeId}:${ref.slot}`;
const maskImageId = (ref: ValueRef) => `imgdiff:mask:${ref.nodeId}:${ref.slot}`;

export const TAP_PREFIX = "imgdiff/tap";
const UPLOAD_SUBFOLDER = "imgdiff";

/**
 * The stage's prompt for one server, uploading its local images and masks there. The PNGs are
 * encoded once per stage (`files`), however many servers the prompt is tried on.
 */
export async function buildStagePrompt(
  stage: RemoteStage,
  context: StageContext,
  server: Uploader,
  files: BorderFiles = borderFiles(stage, context),
): Promise<{ prompt: ApiPrompt; taps: ReadonlyMap<string, string> }> {
  const prompt: Record<string, ApiNode> = {};
  const replacements = new Map<string, unknown>();
  for (const input of stage.inputs) replacements.set(valueKey(input), context.values.get(valueKey(input)));
  for (const file of files) {
    const loader = await loadUploaded(file, await file.png, server, context.signal, prompt);
    if (file.image) replacements.set(valueKey(file.image), [loader, 0]);
    // LoadImage gives the mask as its second output; LoadImageMask has only one.
    if (file.mask) replacements.set(valueKey(file.mask), [loader, file.image ? 1 : 0]);
  }
  for (const id of stage.nodeIds) {
    const node = context.prompt[id]!;
    const inputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(node.inputs)) {
      const key = isLink(value) ? valueKey({ nodeId: value[0], slot: value[1] }) : undefined;
      inputs[name] = key !== undefined && replacements.has(key) ? replacements.get(key) : value;
    }
    for (const [name, value] of context.widgets.get(id) ?? []) if (!isLink(inputs[name])) inputs[name] = value;
    prompt[id] = { class_type: node.class_type, inputs, ...(node._meta?.title ? { _meta: { title: node._meta.title } } : {}) };
  }
  const taps = new Map<string, string>();
  for (const output of stage.outputs) {
    let source: [string, number] = [output.nodeId, output.slot];
    if (output.type === "MASK") {
      prompt[maskImageId(output)] = { class_type: "MaskToImage", inputs: { mask: source } };
      source = [maskImageId(output), 0];
    }
    prompt[tapId(output)] = { class_type: "PreviewImage", inputs: { images: source } };
    taps.set(valueKey(output), tapId(output));
  }
  return { prompt, taps };
}

/** One file a stage uploads: a local IMAGE, a local MASK, or an IMAGE with a MASK in its alpha. */
export interface BorderFile {
  readonly image?: StageInput;
  readonly mask?: StageInput;
  readonly png: Promise<Buffer>;
}
export type BorderFiles = readonly BorderFile[];

export function borderFiles(stage: RemoteStage, context: StageContext): BorderFiles {
  const value = <T>(input: StageInput) => context.values.get(valueKey(input)) as T;
  const images = stage.inputs.filter((i) => i.type === "IMAGE");
  const masks = stage.inputs.filter((i) => i.type === "MASK");
  const files: BorderFile[] = [];
  for (const image of images) {
    const pixels = value<RgbImage>(image);
    const index = masks.findIndex((m) => value<Mask>(m).width === pixels.width && value<Mask>(m).height === pixels.height);
    const mask = index >= 0 ? masks.splice(index, 1)[0] : undefined;
    files.push(mask ? { image, mask, png: imageWithMaskPng(pixels, value<Mask>(mask)) } : { image, png: imagePng(pixels) });
  }
  for (const mask of masks) files.push({ mask, png: maskPng(value<Mask>(mask)) });
  // An encoding error surfaces when the prompt is built, not as an unhandled rejection before.
  for (const file of files) file.png.catch(() => undefined);
  return files;
}

/** Uploads one file to the server and adds its loader to the prompt; returns the loader's id. */
async function loadUploaded(file: BorderFile, png: Buffer, server: Uploader, signal: AbortSignal | undefined, prompt: Record<string, ApiNode>): Promise<string> {
  // A briefly failing server (a 500, a restart) is asked again: the upload is idempotent, its
  // name being a hash of the content. One that stays down fails this try, and a pool moves the
  // prompt to another server.
  const uploaded = await retryTransient("POST /upload/image", { server: server.baseUrl, promptId: "upload", giveUpMs: 15_000, signal }, () =>
    server.uploadImage(png, { name: file.image ? "image.png" : "mask.png", subfolder: UPLOAD_SUBFOLDER, ...(signal ? { signal } : {}) }),
  );
  const name = uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name;
  const id = loaderId((file.image ?? file.mask)!);
  prompt[id] = file.image ? { class_type: "LoadImage", inputs: { image: name } } : { class_type: "LoadImageMask", inputs: { image: name, channel: "red" } };
  return id;
}

export async function runRemoteStage(stage: RemoteStage, context: StageContext): Promise<StageResult> {
  const files = borderFiles(stage, context);
  let taps: ReadonlyMap<string, string> | undefined;
  const source: PromptSource = async (server) => {
    const built = await buildStagePrompt(stage, context, server, files);
    taps = built.taps;
    return built.prompt;
  };
  const result = await context.runner.run(source, context.signal ? { signal: context.signal } : {});
  if (!taps) throw new ImgDiffError("REMOTE_RUNNER", "the remote runner returned without building the stage's prompt");
  const values = new Map<string, RgbImage | Mask>();
  for (const output of stage.outputs) {
    const key = valueKey(output);
    const images = result.outputs[taps.get(key)!]?.images ?? [];
    const where = `node #${output.nodeId} (${context.prompt[output.nodeId]!.class_type}) output ${output.type}`;
    if (images.length !== 1) {
      throw new ImgDiffError("REMOTE_OUTPUT", `${where}: expected 1 image from ComfyUI, received ${images.length} (a batch cannot be handed to imgdiff nodes; use batch_size 1)`);
    }
    const image = await decodeImage(images[0]!.bytes, { source: where });
    values.set(key, output.type === "MASK" ? toMask(image) : image);
  }
  const reports: Record<string, NodeReport> = {};
  for (const id of stage.outputNodes) {
    const out = result.outputs[id];
    reports[id] = out ? { ...out, images: out.images.map(({ filename, subfolder, type }) => ({ filename, subfolder, type })) } : {};
  }
  return { values, reports };
}

function imagePng(image: RgbImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
}

/** RGBA with alpha = 255 - mask: LoadImage reads the mask as 1 - alpha, and the RGB unchanged. */
function imageWithMaskPng(image: RgbImage, m: Mask): Promise<Buffer> {
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let p = 0, q = 0; p < m.data.length; p++, q += 3) {
    rgba[p * 4] = image.data[q]!;
    rgba[p * 4 + 1] = image.data[q + 1]!;
    rgba[p * 4 + 2] = image.data[q + 2]!;
    rgba[p * 4 + 3] = 255 - m.data[p]!;
  }
  return sharp(rgba, { raw: { width: image.width, height: image.height, channels: 4 } }).png().toBuffer();
}

function maskPng(m: Mask): Promise<Buffer> {
  return sharp(m.data, { raw: { width: m.width, height: m.height, channels: 1 } }).png().toBuffer();
}

/** MaskToImage writes the mask into all three channels; white (1) is inside. */
function toMask(image: RgbImage): Mask {
  const out = mask(image.width, image.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = image.data[i * 3]! >= 128 ? 255 : 0;
  return out;
}
