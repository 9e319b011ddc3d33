/**
 * Turning a finished prompt's history entry into a result: a typed error when it failed, else
 * every output node's ui dict with its images downloaded (all output nodes, not the first one
 * that reported).
 */
import { ComfyExecutionError, ComfyInterruptedError } from "./errors.js";
import { FolderTypeSchema, type HistoryEntry, type ImageRef } from "./http-schemas.js";
import { retryTransient, type RetryTarget } from "./retry.js";
import { view, type CallOptions } from "./routes.js";
import type { Transport } from "./transport.js";

export interface OutputImage {
  filename: string;
  subfolder: string;
  type: string;
  /** The file's bytes (empty when run() was asked not to download). */
  bytes: Uint8Array;
}

/** A node's ui dict: `images` with their bytes, any other key (`text`, `gifs`, …) as sent. */
export interface NodeResult {
  images: OutputImage[];
  [key: string]: unknown;
}

/** Throws the entry's failure, if it records one. */
export function throwIfFailed(promptId: string, entry: HistoryEntry): void {
  const status = entry.status;
  if (!status || status.status_str !== "error") return;
  const lastOf = (type: string): Record<string, unknown> | undefined =>
    [...status.messages].reverse().find(([event]) => event === type)?.[1];
  const interrupted = lastOf("execution_interrupted");
  if (interrupted) {
    throw new ComfyInterruptedError(promptId, asString(interrupted["node_id"]) ?? null, asString(interrupted["node_type"]) ?? null);
  }
  const failure = lastOf("execution_error") ?? {};
  throw new ComfyExecutionError({
    promptId,
    nodeId: asString(failure["node_id"]) ?? "?",
    classType: asString(failure["node_type"]) ?? "?",
    exceptionType: asString(failure["exception_type"]) ?? "unknown",
    exceptionMessage: asString(failure["exception_message"]) ?? "the server recorded status \"error\" without an execution_error message",
    traceback: Array.isArray(failure["traceback"]) ? failure["traceback"].map(String) : [],
  });
}

/**
 * `retry` keeps a download going through a short outage: the prompt has finished, and giving up
 * would make a pool run it again elsewhere.
 */
export async function collectOutputs(
  transport: Transport,
  entry: HistoryEntry,
  download: boolean,
  options: CallOptions,
  retry: RetryTarget,
): Promise<Record<string, NodeResult>> {
  const results: Record<string, NodeResult> = {};
  const jobs: Array<Promise<void>> = [];
  for (const [nodeId, output] of Object.entries(entry.outputs)) {
    const refs = output.images ?? [];
    const images: OutputImage[] = refs.map((ref) => ({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type, bytes: new Uint8Array(0) }));
    results[nodeId] = { ...output, images };
    if (!download) continue;
    refs.forEach((ref, index) => {
      jobs.push(
        retryTransient(`downloading ${ref.filename}`, retry, () => downloadImage(transport, ref, options)).then((bytes) => {
          (images[index] as OutputImage).bytes = bytes;
        }),
      );
    });
  }
  await Promise.all(jobs);
  return results;
}

export function downloadImage(transport: Transport, ref: ImageRef, options: CallOptions): Promise<Uint8Array> {
  const type = FolderTypeSchema.catch("output").parse(ref.type);
  return view(transport, { filename: ref.filename, subfolder: ref.subfolder, type }, options);
}

/** Server-side execution time from the status messages' timestamps, when present. */
export function executionMs(entry: HistoryEntry): number | undefined {
  const messages = entry.status?.messages ?? [];
  const at = (type: string): number | undefined => {
    const data = messages.find(([event]) => event === type)?.[1];
    const stamp = data?.["timestamp"];
    return typeof stamp === "number" ? stamp : undefined;
  };
  const start = at("execution_start");
  const end = at("execution_success") ?? at("execution_error") ?? at("execution_interrupted");
  return start !== undefined && end !== undefined ? end - start : undefined;
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
