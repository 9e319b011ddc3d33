/**
 * At most N requests in flight per endpoint, shared by every node and sample of the process: a
 * local model server runs one or two generations at a time and queues or drops the rest, so
 * sending the whole batch at once only trades queueing here for timeouts there.
 */

interface Waiter {
  readonly resolve: () => void;
}

export interface Limiter {
  /** Waits for a free slot (at most `limit` held at once), then runs `task` in it. */
  run<T>(limit: number, task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Requests running now (for tests and progress). */
  readonly active: number;
}

export function createLimiter(): Limiter {
  let active = 0;
  const waiting: Waiter[] = [];
  const release = (): void => {
    active--;
    waiting.shift()?.resolve();
  };
  const acquire = async (limit: number, signal?: AbortSignal): Promise<void> => {
    while (active >= limit) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = (): void => {
          const at = waiting.indexOf(waiter);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        waiting.push(waiter);
      });
    }
    active++;
  };
  return {
    async run(limit, task, signal) {
      await acquire(Math.max(1, limit), signal);
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
  };
}

const byEndpoint = new Map<string, Limiter>();

/** The process-wide limiter of an endpoint (keyed by origin and path, so two servers behind one proxy are separate). */
export function limiterFor(endpoint: URL): Limiter {
  const key = `${endpoint.origin}${endpoint.pathname}`;
  let limiter = byEndpoint.get(key);
  if (!limiter) {
    limiter = createLimiter();
    byEndpoint.set(key, limiter);
  }
  return limiter;
}
