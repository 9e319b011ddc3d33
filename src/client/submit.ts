/**
 * Submitting a prompt so that it runs at most once per intent. The prompt id is ours, so when the
 * POST's outcome is unknown (the connection broke after sending, a timeout, a 5xx with a text
 * body) we ask the server whether it has that id — in /queue, then in /history — and post again,
 * with the same id, only if it does not.
 */
import { createBackoff } from "./backoff.js";
import type { RunContext } from "./context.js";
import { sleep } from "./deadline.js";
import { ComfyHttpError } from "./errors.js";
import type { PromptRequest, PromptResponse } from "./http-schemas.js";
import { retryTransient, isTransient } from "./retry.js";
import { getHistory, getQueue, postPrompt } from "./routes.js";

export type PromptWhereabouts = "queued" | "running" | "finished" | "unknown";

/**
 * Where the server has the prompt. Queue first, then history: the server moves a prompt from the
 * queue into history atomically, so a prompt missing from both was never taken (or was lost).
 */
export async function locatePrompt(context: RunContext, promptId: string, signal?: AbortSignal): Promise<PromptWhereabouts> {
  const queue = await getQueue(context.transport, { signal, timeoutMs: context.timeouts.requestMs });
  if (queue.queue_running.some((item) => item[1] === promptId)) return "running";
  if (queue.queue_pending.some((item) => item[1] === promptId)) return "queued";
  const entry = await getHistory(context.transport, promptId, { signal, timeoutMs: context.timeouts.requestMs });
  return entry ? "finished" : "unknown";
}

/** Like locatePrompt, but keeps asking while the server is unreachable, up to `serverGoneMs`. */
export function locatePromptPatiently(context: RunContext, promptId: string, signal?: AbortSignal): Promise<PromptWhereabouts> {
  const target = { server: context.baseUrl, promptId, giveUpMs: context.timeouts.serverGoneMs, signal };
  return retryTransient("looking the prompt up in /queue and /history", target, () => locatePrompt(context, promptId, signal));
}

export interface Submission {
  /** The POST's response, or undefined when the prompt was found on the server after an ambiguous POST. */
  response: PromptResponse | undefined;
  /** POSTs made (1 unless the outcome of one was unknown). */
  attempts: number;
}

const MAX_ATTEMPTS = 4;

export async function submitOnce(context: RunContext, body: PromptRequest & { prompt_id: string }, signal?: AbortSignal): Promise<Submission> {
  let backoff: ReturnType<typeof createBackoff> | undefined; // only needed on a retry
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await postPrompt(context.transport, body, { signal, timeoutMs: context.timeouts.requestMs });
      return { response, attempts: attempt };
    } catch (error) {
      if (signal?.aborted) throw error;
      // Newer servers refuse a second POST of an id they hold: it was taken.
      if (error instanceof ComfyHttpError && error.status === 409) return { response: undefined, attempts: attempt };
      // Connection trouble, a timeout or a 5xx: the server may or may not have taken it.
      if (!isTransient(error)) throw error;
      const where = await locatePromptPatiently(context, body.prompt_id, signal);
      if (where !== "unknown") return { response: undefined, attempts: attempt };
      if (attempt >= MAX_ATTEMPTS) throw error;
      backoff ??= createBackoff({ initialMs: 100, maxMs: 2_000 }, context.clientId, body.prompt_id, "submit");
      await sleep(backoff.next(), signal, `resubmitting prompt ${body.prompt_id}`);
    }
  }
}
