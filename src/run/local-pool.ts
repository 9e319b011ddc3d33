/**
 * A pool of worker threads for our CPU-heavy nodes (scene rendering, difference areas). The main
 * thread then only moves data, writes files and talks to ComfyUI servers, so a sample's local
 * work never delays the next prompt's submission, and several samples' local work runs on
 * several cores. (The CLI sizes it to the cores but the main thread's; see load-graph.ts.)
 *
 * Only nodes marked `offload` run here, and only our own definitions of them: a worker loads
 * the node pack by itself and cannot see nodes a caller registered at run time. Inputs are
 * copied to the worker; outputs come back by transferring their pixel buffers, not copying them.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker, type ResourceLimits } from "node:worker_threads";
import { ImgDiffError } from "../errors.js";
import type { Blocked } from "../nodes/define.js";
import type { TaskReply, TaskRequest, WorkerContext } from "./local-task.js";

export interface LocalPool {
  readonly size: number;
  /** Runs one node's `run` on a worker; rejects with the node's error, or if the worker died. */
  run(type: string, inputs: Record<string, unknown>, context: WorkerContext, signal?: AbortSignal): Promise<Record<string, unknown> | Blocked>;
  /** Stops every worker; tasks still queued or running are rejected. */
  close(): Promise<void>;
}

export interface LocalPoolOptions {
  /** Worker threads; default the machine's available parallelism. */
  readonly size?: number;
  /** Heap limits of each worker thread (Node's ResourceLimits); default DEFAULT_THREAD_LIMITS. */
  readonly resourceLimits?: ResourceLimits;
  /** Called once if the pool gives up (no thread can start); callers then run the nodes themselves. */
  readonly onBroken?: (error: ImgDiffError) => void;
}

interface Task {
  readonly request: TaskRequest;
  resolve(value: Record<string, unknown> | Blocked): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  /** Whether the worker has answered once (so it booted). */
  answered: boolean;
}

/**
 * A thread's heap is its own: without limits each grows by tens of MB of garbage (pixel buffers)
 * before collecting. These keep a thread near 50 MB; the nodes' working sets are far smaller.
 */
export const DEFAULT_THREAD_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 };

/** Workers dying before their first answer this many times in a row: the pool cannot work here. */
const MAX_BOOT_FAILURES = 3;

export function createLocalPool(options: LocalPoolOptions = {}): LocalPool {
  const size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let nextId = 0;
  let closed = false;
  let bootFailures = 0;
  let broken: ImgDiffError | undefined;

  const breaks = (error: ImgDiffError) => {
    if (broken) return;
    broken = error;
    options.onBroken?.(error);
  };

  const spawn = (): Slot => {
    let worker: Worker;
    try {
      worker = startWorker(options.resourceLimits ?? DEFAULT_THREAD_LIMITS);
    } catch (error) {
      breaks(error instanceof ImgDiffError ? error : new ImgDiffError("LOCAL_POOL_BROKEN", `cannot start a local worker thread: ${describe(error)}`, { cause: error }));
      throw error;
    }
    const slot: Slot = { worker, task: undefined, answered: false };
    slot.worker.on("message", (reply: TaskReply) => {
      const task = slot.task;
      if (!task || task.request.id !== reply.id) return;
      slot.answered = true;
      bootFailures = 0;
      idle(slot);
      if (reply.ok) task.resolve(reply.result);
      else task.reject(rebuildError(reply.error));
      pump();
    });
    // A worker that dies (a native crash, out of memory) fails only the task it held; a fresh
    // worker takes its place for the next one. Workers that never boot break the pool instead
    // of failing every task one by one.
    const died = (cause: unknown) => {
      const index = slots.indexOf(slot);
      if (index < 0) return;
      slots.splice(index, 1);
      if (!slot.answered && !closed && ++bootFailures >= MAX_BOOT_FAILURES) {
        breaks(new ImgDiffError("LOCAL_POOL_BROKEN", `local worker threads stop before answering (${describe(cause)}); the pool is disabled`, { cause }));
      }
      const task = slot.task;
      slot.task = undefined;
      task?.reject(new ImgDiffError("LOCAL_WORKER_DIED", `the worker thread running ${task.request.type} stopped: ${describe(cause)}`, { cause }));
      pump();
    };
    slot.worker.on("error", died);
    slot.worker.on("exit", (code) => died(new Error(`exit code ${code}`)));
    slots.push(slot);
    return slot;
  };

  // A busy worker keeps the process alive (its task's caller is waiting); an idle one does not,
  // so a pool nobody closed never holds a finished program open.
  const busy = (slot: Slot, task: Task) => {
    slot.task = task;
    slot.worker.ref();
  };
  const idle = (slot: Slot) => {
    slot.task = undefined;
    slot.worker.unref();
  };

  const pump = () => {
    while (!closed && !broken && queue.length > 0) {
      const task = queue.shift()!;
      try {
        const slot = slots.find((s) => s.task === undefined) ?? (slots.length < size ? spawn() : undefined);
        if (!slot) {
          queue.unshift(task);
          return;
        }
        busy(slot, task);
        try {
          slot.worker.postMessage(task.request);
        } catch (error) {
          // Inputs that cannot be copied to a thread (a function, say) fail this task only.
          idle(slot);
          throw error;
        }
      } catch (error) {
        task.reject(error);
      }
    }
    if (broken) for (const waiting of queue.splice(0)) waiting.reject(broken);
  };

  return {
    size,
    run(type, inputs, context, signal) {
      if (closed) return Promise.reject(new ImgDiffError("LOCAL_POOL_CLOSED", `the local worker pool is closed; cannot run ${type}`));
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        // An aborted task leaves the queue; one already running finishes and is ignored.
        const onAbort = () => {
          const queued = queue.indexOf(task);
          if (queued >= 0) queue.splice(queued, 1);
          reject(signal!.reason);
        };
        const settled = () => signal?.removeEventListener("abort", onAbort);
        const task: Task = {
          request: { id: nextId++, type, inputs, context },
          resolve: (value) => (settled(), resolve(value)),
          reject: (error) => (settled(), reject(error)),
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(task);
        pump();
      });
    },
    async close() {
      closed = true;
      const stopped = new ImgDiffError("LOCAL_POOL_CLOSED", "the local worker pool was closed");
      for (const task of queue.splice(0)) task.reject(stopped);
      await Promise.all(
        slots.splice(0).map((slot) => {
          slot.task?.reject(stopped);
          return slot.worker.terminate();
        }),
      );
    },
  };
}

/**
 * The built package runs dist/local-worker.js. From the TypeScript sources (tests, `tsx`) the
 * worker is local-worker.ts, which a bare worker thread cannot load, so it is booted through
 * tsx's loader, a development dependency present wherever the sources are run.
 */
function startWorker(resourceLimits: ResourceLimits): Worker {
  const here = import.meta.url;
  const limits = { resourceLimits };
  if (here.endsWith(".ts")) {
    const entry = new URL("./local-worker.ts", here).href;
    const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { eval: true, ...limits });
  }
  // Bundled, this module sits in dist/ (a shared chunk) or dist/cli/ (inlined in the command).
  for (const candidate of ["./local-worker.js", "../local-worker.js"]) {
    const url = new URL(candidate, here);
    if (existsSync(fileURLToPath(url))) return new Worker(url, limits);
  }
  throw new ImgDiffError("LOCAL_WORKER_MISSING", `local-worker.js is missing next to ${fileURLToPath(here)}; rebuild the package (npm run build)`);
}

/** Errors cross the thread as plain data; ours come back with their class's code. */
function rebuildError(error: { name: string; message: string; code?: string; stack?: string }): Error {
  const rebuilt = error.code !== undefined ? new ImgDiffError(error.code, error.message) : new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
