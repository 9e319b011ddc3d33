/**
 * Running one prompt on one server: subscribe (the WebSocket must be listening before the POST,
 * because a cached prompt can finish before the POST's reply), submit at most once, wait until
 * /history says it finished, then collect every output node.
 */
import { randomUUID } from "node:crypto";
import type { ApiPrompt } from "../graph/api-prompt.js";
import type { RunContext } from "./context.js";
import { deadline } from "./deadline.js";
import type { HistoryEntry, NodeErrorMap, PromptRequest } from "./http-schemas.js";
import { collectOutputs, executionMs, throwIfFailed, type NodeResult } from "./outputs.js";
import { submitOnce } from "./submit.js";
import { watchPrompt, type RunProgress } from "./watch.js";

export interface WaitOptions {
  signal?: AbortSignal;
  /** Time limit for the whole call. Default: the client's `timeouts.runMs`. */
  timeoutMs?: number;
  onProgress?: (event: RunProgress) => void;
  /** Download output images (default true). */
  download?: boolean;
}

export interface RunOptions extends WaitOptions {
  /** The UI-format workflow, embedded by SaveImage as the PNG's `workflow` chunk. */
  workflow?: unknown;
  /** Further `extra_pnginfo` keys (each becomes a PNG text chunk). */
  extraPngInfo?: Record<string, unknown>;
  /** Run only these output nodes and what they depend on (`partial_execution_targets`). */
  targets?: string[];
  /** Queue at the front. */
  front?: boolean;
  /** Our own id for the prompt (lowercase UUID v4 by default). The pool reuses it when it moves a job. */
  promptId?: string;
}

export interface RunTimings {
  /** POST /prompt, including any ambiguity resolution. */
  submitMs: number;
  /** From the POST's return to history showing the prompt finished. */
  waitMs: number;
  /** Server-side, from the execution_start and execution_success timestamps, when known. */
  executionMs: number | undefined;
  downloadMs: number;
  totalMs: number;
}

export interface RunResult {
  promptId: string;
  /** Every output node's ui dict, keyed by node id. */
  outputs: Record<string, NodeResult>;
  /** Set when the server accepted the prompt only in part (HTTP 200 with node_errors): those outputs did not run. */
  nodeErrors?: NodeErrorMap;
  /** POSTs made: more than 1 only when an earlier POST's outcome was unknown and the server did not have it. */
  submitAttempts: number;
  timings: RunTimings;
}

export interface SubmitResult {
  promptId: string;
  /** Queue position number, unless the prompt was found on the server after an ambiguous POST. */
  number: number | undefined;
  nodeErrors: NodeErrorMap;
  attempts: number;
}

export function buildPromptRequest(context: RunContext, prompt: ApiPrompt, promptId: string, options: RunOptions): PromptRequest & { prompt_id: string } {
  const extraPngInfo = { ...(options.extraPngInfo ?? {}), ...(options.workflow === undefined ? {} : { workflow: options.workflow }) };
  return {
    prompt,
    prompt_id: promptId,
    client_id: context.clientId,
    extra_data: Object.keys(extraPngInfo).length > 0 ? { extra_pnginfo: extraPngInfo } : {},
    ...(options.front ? { front: true } : {}),
    ...(options.targets ? { partial_execution_targets: options.targets } : {}),
  };
}

export function newPromptId(): string {
  return randomUUID(); // lowercase canonical v4, as newer servers require
}

export async function runPrompt(context: RunContext, prompt: ApiPrompt, options: RunOptions = {}): Promise<RunResult> {
  const promptId = options.promptId ?? newPromptId();
  const started = Date.now();
  const limit = deadline(`running prompt ${promptId} on ${context.baseUrl}`, options.timeoutMs ?? context.timeouts.runMs, options.signal);
  const session = context.session();
  const watch = watchPrompt(context, promptId, limit.signal, options.onProgress);
  try {
    // Only the first connection is worth waiting for; a socket that is reconnecting re-checks
    // /history when it opens, and meanwhile the watch polls.
    if (session.opens === 0) {
      try {
        await session.waitOpen({ signal: limit.signal, timeoutMs: context.timeouts.connectMs });
      } catch {
        if (limit.signal.aborted) throw limit.signal.reason;
        // No socket at all: submit anyway; the watch polls /history until events flow.
      }
    }
    const posting = Date.now();
    const submission = await submitOnce(context, buildPromptRequest(context, prompt, promptId, options), limit.signal);
    const submitted = Date.now();
    session.expectTraffic(context.timeouts.zombieMs, posting);
    watch.armed();
    const entry = await watch.finished;
    const finished = Date.now();
    const outputs = await finishedOutputs(context, promptId, entry, options.download ?? true, limit.signal);
    const nodeErrors = submission.response?.node_errors ?? {};
    return {
      promptId,
      outputs,
      ...(Object.keys(nodeErrors).length > 0 ? { nodeErrors } : {}),
      submitAttempts: submission.attempts,
      timings: {
        submitMs: submitted - started,
        waitMs: finished - submitted,
        executionMs: executionMs(entry),
        downloadMs: Date.now() - finished,
        totalMs: Date.now() - started,
      },
    };
  } finally {
    watch.stop();
    limit.dispose();
  }
}

/** Submits without waiting (still at most once per prompt id). */
export async function submitPrompt(context: RunContext, prompt: ApiPrompt, options: RunOptions = {}): Promise<SubmitResult> {
  const promptId = options.promptId ?? newPromptId();
  const limit = deadline(`submitting prompt ${promptId} to ${context.baseUrl}`, options.timeoutMs ?? context.timeouts.requestMs * 4, options.signal);
  try {
    const submission = await submitOnce(context, buildPromptRequest(context, prompt, promptId, options), limit.signal);
    return {
      promptId,
      number: submission.response?.number,
      nodeErrors: submission.response?.node_errors ?? {},
      attempts: submission.attempts,
    };
  } finally {
    limit.dispose();
  }
}

/** Waits for a prompt submitted earlier (by submitPrompt, or by anyone), then collects its outputs. */
export async function waitForPrompt(
  context: RunContext,
  promptId: string,
  options: WaitOptions = {},
): Promise<Pick<RunResult, "promptId" | "outputs">> {
  const limit = deadline(`waiting for prompt ${promptId} on ${context.baseUrl}`, options.timeoutMs ?? context.timeouts.runMs, options.signal);
  const watch = watchPrompt(context, promptId, limit.signal, options.onProgress);
  try {
    watch.armed({ checkNow: true });
    const entry = await watch.finished;
    const outputs = await finishedOutputs(context, promptId, entry, options.download ?? true, limit.signal);
    return { promptId, outputs };
  } finally {
    watch.stop();
    limit.dispose();
  }
}

/** A finished prompt's outputs, after raising its failure if it failed; images downloaded unless `download` is false. */
function finishedOutputs(context: RunContext, promptId: string, entry: HistoryEntry, download: boolean, signal: AbortSignal) {
  throwIfFailed(promptId, entry);
  return collectOutputs(
    context.transport,
    entry,
    download,
    { signal, timeoutMs: context.timeouts.requestMs },
    { server: context.baseUrl, promptId, giveUpMs: context.timeouts.serverGoneMs, signal },
  );
}
