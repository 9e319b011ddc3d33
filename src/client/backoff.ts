/**
 * Capped exponential backoff with jitter, for reconnecting forever without storms: a server
 * that refuses (403, connection refused) is retried at most every `maxMs` once the delay has
 * grown, and many clients do not retry in lockstep. Jitter comes from the seeded Rng (labelled
 * by the client id), as all randomness in the project does.
 */
import { createRng, type Rng } from "../util/rng.js";

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

export interface Backoff {
  /** The next delay: in [d/2, d] where d = min(max, initial * 2^attempt). */
  next(): number;
  reset(): void;
  readonly attempt: number;
}

export function createBackoff(options: BackoffOptions, ...labels: string[]): Backoff {
  const initial = options.initialMs ?? 200;
  const max = Math.max(initial, options.maxMs ?? 15_000);
  const rng: Rng = createRng("backoff", ...labels);
  let attempt = 0;
  return {
    next() {
      const full = Math.min(max, initial * 2 ** Math.min(attempt, 30));
      attempt++;
      return Math.round(full / 2 + rng.float(0, full / 2));
    },
    reset() {
      attempt = 0;
    },
    get attempt() {
      return attempt;
    },
  };
}
