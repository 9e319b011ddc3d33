/**
 * One AbortSignal per call that fires on the caller's signal or on a time limit, whichever comes
 * first, with a typed reason (ComfyAbortError / ComfyTimeoutError) so the code that catches the
 * abort knows which it was. `dispose()` clears the timer: no timer outlives its call.
 */
import { ComfyAbortError, ComfyTimeoutError } from "./errors.js";

export interface Deadline {
  readonly signal: AbortSignal;
  dispose(): void;
}

export function deadline(what: string, timeoutMs: number | undefined, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  // An enclosing deadline's typed reason passes through unchanged: a run's timeout stays a timeout
  // in whichever request it interrupts.
  const onParentAbort = (): void => {
    const reason: unknown = parent?.reason;
    const typed = reason instanceof ComfyAbortError || reason instanceof ComfyTimeoutError;
    controller.abort(typed ? reason : new ComfyAbortError(what, { cause: reason }));
  };
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  const timer =
    timeoutMs !== undefined && Number.isFinite(timeoutMs) && !controller.signal.aborted
      ? setTimeout(() => controller.abort(new ComfyTimeoutError(what, timeoutMs)), timeoutMs)
      : undefined;
  return {
    signal: controller.signal,
    dispose() {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}

/** Throws the signal's typed reason if it has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof ComfyAbortError || reason instanceof ComfyTimeoutError) throw reason;
  throw new ComfyAbortError(what, { cause: reason });
}

/** Resolves after `ms`, or rejects with the signal's typed reason. */
export function sleep(ms: number, signal?: AbortSignal, what = "wait"): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      try {
        throwIfAborted(signal, what);
      } catch (error) {
        reject(error);
      }
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      try {
        throwIfAborted(signal, what);
      } catch (error) {
        reject(error);
      }
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
