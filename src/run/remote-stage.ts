/**
 * One remote stage of one sample as one ComfyUI prompt: the stage's ComfyUI nodes with their
 * per-sample seeds; local IMAGE inputs uploaded as PNGs and read with LoadImage, local MASK
 * inputs uploaded as black/white PNGs and read with LoadImageMask (channel red: white = 1);
 * local primitives written in as literals; remote IMAGE outputs that local nodes need tapped
 * with PreviewImage (MASK ones through MaskToImage first), downloaded and decoded.
 */
import sharp from "sharp";
import type { ApiNode, ApiPrompt } from "../graph/api-prompt.js";
import { isLink } from "../graph/api-prompt.js";
import type { ComfyClient } from "../client/client.js";
import type { ServerPool } from "../client/pool.js";
import type { RunOptions, RunResult } from "../client/run-prompt.js";
import type { UploadOptions } from "../client/routes.js";
import type { UploadResponse } from "../client/http-schemas.js";
import type { NodeReport } from "../nodes/define.js";
import { decodeImage } from "../vision/decode.js";
import { mask, type Mask, type RgbImage } from "../vision/image.js";
import { ImgDiffError } from "../errors.js";
import { retryTransient } from "../client/retry.js";
import { valueKey, type RemoteStage, type StageInput, type ValueRef } from "./plan.js";

/** What runs remote stages: a ComfyClient as it is, or a ServerPool through poolRunner(). */
export interface RemoteRunner {
  run(prompt: ApiPrompt, options?: RunOptions): Promise<RunResult>;
  /** Makes a file available as an input on every server that may run the next prompt. */
  uploadImage(data: Uint8Array, options?: UploadOptions): Promise<UploadResponse>;
}

/**
 * A pool as a runner. The pool picks a server per prompt, so inputs go to every server first
 * (content-hash names: the same name on each, and a repeated upload rewrites identical bytes).
 * `uploaders` are clients of the pool's servers.
 */
export function poolRunner(pool: ServerPool, uploaders: readonly ComfyClient[]): RemoteRunner {
  return {
    run: (prompt, options) => pool.run(prompt, options),
    async uploadImage(data, options) {
      // A restarting or briefly failing server must not fail the sample: the upload is
      // idempotent (content-hash name), so it is asked again until the pool would give up on it.
      const answers = await Promise.all(
        uploaders.map((client) =>
          retryTransient("POST /upload/image", { server: client.baseUrl, promptId: "upload", giveUpMs: 15_000, signal: options?.signal }, () => client.uploadImage(data, options)),
        ),
      );
      return answers[0]!;
    },
  };
}

export interface StageContext {
  readonly prompt: ApiPrompt;
  /** Local values by valueKey(). */
  readonly values: ReadonlyMap<string, unknown>;
  /** Per-sample seed values: node id -> input -> value. */
  readonly seeds: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly runner: RemoteRunner;
  readonly signal?: AbortSignal;
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

/** The stage's prompt, uploading its local images and masks through the runner. */
export async function buildStagePrompt(stage: RemoteStage, context: StageContext): Promise<{ prompt: ApiPrompt; taps: ReadonlyMap<string, string> }> {
  const prompt: Record<string, ApiNode> = {};
  const replacements = new Map<string, unknown>();
  for (const input of stage.inputs) {
    const value = context.values.get(valueKey(input));
    replacements.set(valueKey(input), await borderValue(input, value, context, prompt));
  }
  for (const id of stage.nodeIds) {
    const node = context.prompt[id]!;
    const inputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(node.inputs)) {
      const key = isLink(value) ? valueKey({ nodeId: value[0], slot: value[1] }) : undefined;
      inputs[name] = key !== undefined && replacements.has(key) ? replacements.get(key) : value;
    }
    for (const [name, seed] of context.seeds.get(id) ?? []) if (!isLink(inputs[name])) inputs[name] = seed;
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

/** A local value as the stage's input: a literal, or a link to a loader of the uploaded file. */
async function borderValue(input: StageInput, value: unknown, context: StageContext, prompt: Record<string, ApiNode>): Promise<unknown> {
  if (input.type !== "IMAGE" && input.type !== "MASK") return value;
  const png = input.type === "IMAGE" ? await imagePng(value as RgbImage) : await maskPng(value as Mask);
  const uploaded = await context.runner.uploadImage(png, {
    name: input.type === "IMAGE" ? "image.png" : "mask.png",
    subfolder: UPLOAD_SUBFOLDER,
    ...(context.signal ? { signal: context.signal } : {}),
  });
  const file = uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name;
  prompt[loaderId(input)] =
    input.type === "IMAGE"
      ? { class_type: "LoadImage", inputs: { image: file } }
      : { class_type: "LoadImageMask", inputs: { image: file, channel: "red" } };
  return [loaderId(input), 0];
}

export async function runRemoteStage(stage: RemoteStage, context: StageContext): Promise<StageResult> {
  const { prompt, taps } = await buildStagePrompt(stage, context);
  const result = await context.runner.run(prompt, context.signal ? { signal: context.signal } : {});
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

function maskPng(m: Mask): Promise<Buffer> {
  return sharp(m.data, { raw: { width: m.width, height: m.height, channels: 1 } }).png().toBuffer();
}

/** MaskToImage writes the mask into all three channels; white (1) is inside. */
function toMask(image: RgbImage): Mask {
  const out = mask(image.width, image.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = image.data[i * 3]! >= 128 ? 255 : 0;
  return out;
}
