/**
 * One node run on a local worker thread: the messages that cross the thread, and the worker's
 * side of them. A node marked `offload` sees the same context it would see on the main thread,
 * except the two things that live there: the run's shared state and the whole graph.
 */
import type { Blocked, NodeContext, NodeDefinition } from "../nodes/define.js";
import { createRng } from "../util/rng.js";
import { ImgDiffError } from "../errors.js";

/** The part of a node's context that is plain data and so can be sent to a worker. */
export interface WorkerContext {
  readonly nodeId: string;
  readonly classType: string;
  readonly sampleIndex: number;
  readonly runSeed: number;
  readonly outputDir: string;
}

export interface TaskRequest {
  readonly id: number;
  readonly type: string;
  readonly inputs: Record<string, unknown>;
  readonly context: WorkerContext;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

export type TaskReply =
  | { readonly id: number; readonly ok: true; readonly result: Record<string, unknown> | Blocked }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

/** Runs a request against the node pack; never throws (a failure is a reply). */
export async function runTask(nodes: ReadonlyMap<string, NodeDefinition>, request: TaskRequest): Promise<{ reply: TaskReply; transfer: ArrayBuffer[] }> {
  try {
    const definition = nodes.get(request.type);
    if (!definition?.offload) throw new ImgDiffError("LOCAL_WORKER_UNKNOWN_NODE", `${request.type} is not a node that runs on worker threads`);
    const result = await definition.run(request.inputs, workerContext(request.context));
    return { reply: { id: request.id, ok: true, result }, transfer: transferables(result) };
  } catch (error) {
    return { reply: { id: request.id, ok: false, error: serializeError(error) }, transfer: [] };
  }
}

function workerContext(base: WorkerContext): NodeContext {
  const unavailable = (what: string) => () => {
    throw new ImgDiffError("LOCAL_WORKER_CONTEXT", `${base.classType} runs on a worker thread, where ${what} is not available; a node that needs it must not be marked offload`);
  };
  return {
    ...base,
    get graph(): never {
      return unavailable("the graph")();
    },
    // Cancellation is the main thread's business: it stops waiting for the result.
    signal: new AbortController().signal,
    rng: (label = "") => createRng(base.runSeed, base.nodeId, base.sampleIndex, label),
    runState: unavailable("the run's shared state"),
  };
}

/**
 * The pixel buffers of a result, to move rather than copy. Only a typed array that is the whole
 * of its buffer is moved: a small Node Buffer is a slice of a shared pool, which must stay put.
 */
function transferables(value: unknown, found: Set<ArrayBuffer> = new Set(), depth = 0): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    const { buffer } = value;
    if (buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buffer.byteLength) found.add(buffer);
  } else if (typeof value === "object" && value !== null && depth < 4) {
    for (const item of Array.isArray(value) ? value : Object.values(value)) transferables(item, found, depth + 1);
  }
  return [...found];
}

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const code = error instanceof ImgDiffError ? error.code : undefined;
  return { name: error.name, message: error.message, ...(code !== undefined ? { code } : {}), ...(error.stack ? { stack: error.stack } : {}) };
}
