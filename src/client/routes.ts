/**
 * One typed function per ComfyUI route, over a Transport. No policy here (no retries, no
 * waiting): that is run-prompt.ts's job. Every call takes a signal and a time limit.
 */
import { ObjectInfoSchema, type ObjectInfo } from "../graph/object-info.js";
import { contentName, sniffImage } from "./content-name.js";
import { ComfyHttpError, ComfyValidationError } from "./errors.js";
import {
  FeaturesSchema,
  FreeRequestSchema,
  HistoryPostRequestSchema,
  HistoryResponseSchema,
  InterruptRequestSchema,
  JobSchema,
  JobsResponseSchema,
  PromptErrorBodySchema,
  PromptInfoSchema,
  PromptRequestSchema,
  PromptResponseSchema,
  QueuePostRequestSchema,
  QueueResponseSchema,
  StringListSchema,
  SystemStatsSchema,
  UploadResponseSchema,
  ViewQuerySchema,
  type FolderType,
  type HistoryEntry,
  type Job,
  type JobsQuery,
  type JobsResponse,
  type PromptRequest,
  type PromptResponse,
  type QueueResponse,
  type SystemStats,
  type UploadResponse,
  type ViewQuery,
} from "./http-schemas.js";
import { encodeMultipart } from "./multipart.js";
import type { Transport } from "./transport.js";

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Bytes to upload: a Uint8Array (Buffer is one), an ArrayBuffer, or a Blob. */
export type UploadData = Uint8Array | ArrayBuffer | Blob;

export interface UploadOptions extends CallOptions {
  /** Original name; its stem is kept in the content-hash name (or used as-is with `contentNamed: false`). */
  name?: string;
  subfolder?: string;
  type?: FolderType;
  /** Default true: a content-hash name with overwrite can only ever rewrite identical bytes. */
  overwrite?: boolean;
  /** Default true: name the file by its content hash. */
  contentNamed?: boolean;
}

/** A file on the server as outputs name it; `type` is "input", "output" or "temp". */
export interface ImageRefInput {
  filename: string;
  subfolder?: string;
  type?: string;
}

/**
 * POST /prompt. 200 (even with node_errors: a partial accept) → the response; 400 with the
 * documented body → ComfyValidationError; anything else → ComfyHttpError.
 */
export async function postPrompt(transport: Transport, body: PromptRequest, options: CallOptions = {}): Promise<PromptResponse> {
  const request = PromptRequestSchema.parse(body);
  const response = await transport.request("POST", "/prompt", { ...options, json: request });
  const text = response.text();
  if (response.status === 200) {
    const parsed = PromptResponseSchema.safeParse(safeJson(text));
    if (parsed.success) return parsed.data;
  }
  if (response.status === 400) {
    const parsed = PromptErrorBodySchema.safeParse(safeJson(text));
    if (parsed.success) throw new ComfyValidationError(parsed.data);
  }
  throw new ComfyHttpError("POST /prompt", response.status, text, transport.baseUrl);
}

/** GET /history/{id}: the entry, or undefined while the prompt is unknown or unfinished. */
export async function getHistory(transport: Transport, promptId: string, options: CallOptions = {}): Promise<HistoryEntry | undefined> {
  const body = await transport.json("GET", `/history/${encodeURIComponent(promptId)}`, HistoryResponseSchema, options);
  return body[promptId];
}

export async function deleteHistory(transport: Transport, promptIds: string[], options: CallOptions = {}): Promise<void> {
  await transport.empty("POST", "/history", { ...options, json: HistoryPostRequestSchema.parse({ delete: promptIds }) });
}

export async function getQueue(transport: Transport, options: CallOptions = {}): Promise<QueueResponse> {
  return transport.json("GET", "/queue", QueueResponseSchema, options);
}

/** Removes pending prompts (a running one is untouched: use interrupt). */
export async function deleteFromQueue(transport: Transport, promptIds: string[], options: CallOptions = {}): Promise<void> {
  await transport.empty("POST", "/queue", { ...options, json: QueuePostRequestSchema.parse({ delete: promptIds }) });
}

export async function clearQueue(transport: Transport, options: CallOptions = {}): Promise<void> {
  await transport.empty("POST", "/queue", { ...options, json: QueuePostRequestSchema.parse({ clear: true }) });
}

/** With a prompt id, interrupts only that prompt if it is the running one; without, whatever runs. */
export async function interrupt(transport: Transport, promptId: string | undefined, options: CallOptions = {}): Promise<void> {
  await transport.empty("POST", "/interrupt", { ...options, json: InterruptRequestSchema.parse(promptId ? { prompt_id: promptId } : {}) });
}

export async function free(
  transport: Transport,
  what: { unloadModels?: boolean; freeMemory?: boolean },
  options: CallOptions = {},
): Promise<void> {
  await transport.empty("POST", "/free", {
    ...options,
    json: FreeRequestSchema.parse({ unload_models: what.unloadModels ?? false, free_memory: what.freeMemory ?? false }),
  });
}

export async function getPromptInfo(transport: Transport, options: CallOptions = {}): Promise<{ queueRemaining: number }> {
  const body = await transport.json("GET", "/prompt", PromptInfoSchema, options);
  return { queueRemaining: body.exec_info.queue_remaining };
}

export async function view(transport: Transport, query: ViewQuery, options: CallOptions = {}): Promise<Uint8Array> {
  const q = ViewQuerySchema.parse(query);
  return transport.bytes("GET", "/view", { ...options, query: q });
}

async function toBytes(data: UploadData): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(await data.arrayBuffer());
}

async function upload(
  transport: Transport,
  route: "/upload/image" | "/upload/mask",
  data: UploadData,
  extra: Record<string, string>,
  options: UploadOptions,
): Promise<UploadResponse> {
  const bytes = await toBytes(data);
  const filename = options.contentNamed === false ? (options.name ?? contentName(bytes)) : contentName(bytes, options.name);
  const fields: Parameters<typeof encodeMultipart>[0] = {
    image: { filename, contentType: sniffImage(bytes)?.mime ?? "application/octet-stream", bytes },
    type: options.type ?? "input",
    subfolder: options.subfolder ?? "",
    overwrite: String(options.overwrite ?? true),
    ...extra,
  };
  return transport.json("POST", route, UploadResponseSchema, { ...options, body: encodeMultipart(fields) });
}

export function uploadImage(transport: Transport, data: UploadData, options: UploadOptions = {}): Promise<UploadResponse> {
  return upload(transport, "/upload/image", data, {}, options);
}

/** The server copies `original`, replacing its alpha with this image's alpha. */
export function uploadMask(
  transport: Transport,
  data: UploadData,
  original: ImageRefInput,
  options: UploadOptions = {},
): Promise<UploadResponse> {
  const ref = JSON.stringify({ filename: original.filename, subfolder: original.subfolder ?? "", type: original.type ?? "input" });
  return upload(transport, "/upload/mask", data, { original_ref: ref }, options);
}

export async function getObjectInfo(transport: Transport, classType: string | undefined, options: CallOptions = {}): Promise<ObjectInfo> {
  const path = classType ? `/object_info/${encodeURIComponent(classType)}` : "/object_info";
  return transport.json("GET", path, ObjectInfoSchema, options);
}

export function getSystemStats(transport: Transport, options: CallOptions = {}): Promise<SystemStats> {
  return transport.json("GET", "/system_stats", SystemStatsSchema, options);
}

export function getFeatures(transport: Transport, options: CallOptions = {}): Promise<Record<string, unknown>> {
  return transport.json("GET", "/features", FeaturesSchema, options);
}

/** Without a folder: the folder keys; with one: the files in it. */
export function getModels(transport: Transport, folder: string | undefined, options: CallOptions = {}): Promise<string[]> {
  return transport.json("GET", folder ? `/models/${encodeURIComponent(folder)}` : "/models", StringListSchema, options);
}

export function getEmbeddings(transport: Transport, options: CallOptions = {}): Promise<string[]> {
  return transport.json("GET", "/embeddings", StringListSchema, options);
}

/** GET /api/jobs (newer servers only; older ones answer 404 → ComfyHttpError). */
export function getJobs(transport: Transport, query: JobsQuery = {}, options: CallOptions = {}): Promise<JobsResponse> {
  return transport.json("GET", "/api/jobs", JobsResponseSchema, {
    ...options,
    query: { ...query, status: query.status?.join(",") },
  });
}

/** GET /api/jobs/{id}: the job, or undefined if the server does not know it. */
export async function getJob(transport: Transport, jobId: string, options: CallOptions = {}): Promise<Job | undefined> {
  try {
    return await transport.json("GET", `/api/jobs/${encodeURIComponent(jobId)}`, JobSchema, options);
  } catch (error) {
    if (error instanceof ComfyHttpError && error.status === 404 && error.body.includes("Job not found")) return undefined;
    throw error;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
