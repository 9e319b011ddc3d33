/**
 * Retrying a read while the server is briefly unreachable or failing (connection errors, a
 * request's own timeout, 5xx), with backoff, up to a give-up time; then ComfyServerGoneError.
 * Only for idempotent reads: a POST is never retried blindly (see submit.ts).
 */
import { createBackoff } from "./backoff.js";
import { sleep } from "./deadline.js";
import { ComfyConnectionError, ComfyHttpError, ComfyServerGoneError, ComfyTimeoutError } from "./errors.js";

/** Network trouble, this request's own time limit, or a server error: worth asking again. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof ComfyConnectionError ||
    error instanceof ComfyTimeoutError ||
    (error instanceof ComfyHttpError && error.status >= 500)
  );
}

export interface RetryTarget {
  server: string;
  promptId: string;
  giveUpMs: number;
  signal: AbortSignal | undefined;
}

export async function retryTransient<T>(what: string, target: RetryTarget, read: () => Promise<T>): Promise<T> {
  const since = Date.now();
  let backoff: ReturnType<typeof createBackoff> | undefined;
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (target.signal?.aborted || !isTransient(error)) throw error;
      if (Date.now() - since >= target.giveUpMs) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ComfyServerGoneError(target.server, target.promptId, `${what}: still failing after ${target.giveUpMs} ms (${reason})`);
      }
      backoff ??= createBackoff({ initialMs: 100, maxMs: 2_000 }, target.server, target.promptId, what);
      await sleep(backoff.next(), target.signal, what);
    }
  }
}
