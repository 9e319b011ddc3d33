/**
 * Waiting for one prompt. /history/{id} decides: WebSocket events about *this* prompt
 * (`executing` with node null, execution_success/error/interrupted) and every reconnect only
 * trigger a history check, and a poll runs whenever no event about the prompt came for a poll
 * interval (events can be lost: the server keeps no backlog for a disconnected socket). Another
 * prompt's events are ignored. After a reconnect or an outage the prompt is also looked up in
 * the queue: a server that restarted without it has lost it (ComfyServerGoneError).
 */
import type { BinaryFrame } from "./binary-frames.js";
import type { RunContext } from "./context.js";
import { ComfyServerGoneError } from "./errors.js";
import type { HistoryEntry, NodeOutput } from "./http-schemas.js";
import { getHistory } from "./routes.js";
import { isTransient } from "./retry.js";
import { locatePrompt } from "./submit.js";
import { promptIdOf, type NodeProgress, type WsMessage } from "./ws-messages.js";

export type RunProgress =
  | { kind: "started"; promptId: string }
  | { kind: "cached"; promptId: string; nodes: string[] }
  | { kind: "executing"; promptId: string; node: string }
  | { kind: "progress"; promptId: string; node: string | null; value: number; max: number }
  | { kind: "nodes"; promptId: string; nodes: Record<string, NodeProgress> }
  | { kind: "executed"; promptId: string; node: string; output: NodeOutput | null }
  | { kind: "preview"; promptId: string; node: string | null; mime: string; bytes: Uint8Array }
  | { kind: "text"; promptId: string; node: string; text: string };

export interface Watch {
  /** Resolves with the history entry once the prompt has finished (successfully or not). */
  readonly finished: Promise<HistoryEntry>;
  /** Call once the server has (or may have) the prompt: checks before that are pointless. */
  armed(options?: { checkNow?: boolean }): void;
  stop(): void;
}

/** Every this many polls without news, also make sure the server still has the prompt. */
const LOCATE_EVERY_POLLS = 5;
/**
 * While the socket is open but says nothing about the prompt (it waits in the queue), polls
 * space out up to this many poll intervals, so many queued prompts do not flood /history.
 */
const MAX_POLL_SPACING = 8;

export function watchPrompt(
  context: RunContext,
  promptId: string,
  signal: AbortSignal,
  onProgress?: (event: RunProgress) => void,
): Watch {
  const session = context.session();
  const { pollIntervalMs, serverGoneMs, requestMs } = context.timeouts;
  let armed = false;
  let wanted = false; // a check was asked for while one ran or before arming
  let checking = false;
  let mustLocate = false;
  let stopped = false;
  let lastEventAt = Date.now();
  let lastContactAt = Date.now();
  let quietPolls = 0;
  let nextPollAt = Date.now() + pollIntervalMs;
  let runningHere = false; // our prompt is the one executing for this client id
  let currentNode: string | null = null;

  let resolveFinished!: (entry: HistoryEntry) => void;
  let rejectFinished!: (error: unknown) => void;
  const finished = new Promise<HistoryEntry>((resolve, reject) => {
    resolveFinished = resolve;
    rejectFinished = reject;
  });
  finished.catch(() => undefined); // the caller may stop watching without awaiting

  const progress = (event: RunProgress): void => {
    try {
      onProgress?.(event);
    } catch {
      // a faulty progress callback must not break the wait
    }
  };

  const trigger = (): void => {
    wanted = true;
    if (armed && !checking && !stopped) void check();
  };

  async function check(): Promise<void> {
    checking = true;
    wanted = false;
    try {
      const entry = await getHistory(context.transport, promptId, { signal, timeoutMs: requestMs });
      lastContactAt = Date.now();
      if (entry) return finish(entry);
      if (mustLocate) {
        mustLocate = false;
        const where = await locatePrompt(context, promptId, signal);
        if (where === "finished") wanted = true; // finished between the two reads: read it again
        if (where === "unknown") {
          fail(new ComfyServerGoneError(context.baseUrl, promptId, "the server no longer has the prompt in its queue or history (restarted?)"));
        }
      }
    } catch (error) {
      if (signal.aborted) return fail(signal.reason);
      if (!isTransient(error)) return fail(error);
      mustLocate = true; // once it answers again, make sure it still has the prompt
      if (Date.now() - lastContactAt >= serverGoneMs) {
        fail(new ComfyServerGoneError(context.baseUrl, promptId, `unreachable for ${serverGoneMs} ms`));
      }
    } finally {
      checking = false;
    }
    if (wanted && !stopped) void check();
  }

  function finish(entry: HistoryEntry): void {
    if (stopped) return;
    stop();
    resolveFinished(entry);
  }

  function fail(error: unknown): void {
    if (stopped) return;
    stop();
    rejectFinished(error);
  }

  const onMessage = (message: WsMessage): void => {
    if (promptIdOf(message) !== promptId) return;
    lastEventAt = Date.now();
    quietPolls = 0;
    nextPollAt = lastEventAt + pollIntervalMs;
    switch (message.type) {
      case "execution_start":
        runningHere = true;
        progress({ kind: "started", promptId });
        break;
      case "execution_cached":
        progress({ kind: "cached", promptId, nodes: message.data.nodes });
        break;
      case "executing":
        if (message.data.node === null) {
          runningHere = false;
          trigger();
        } else {
          runningHere = true;
          currentNode = message.data.node;
          progress({ kind: "executing", promptId, node: message.data.node });
        }
        break;
      case "progress":
        progress({ kind: "progress", promptId, node: message.data.node ?? currentNode, value: message.data.value, max: message.data.max });
        break;
      case "progress_state":
        progress({ kind: "nodes", promptId, nodes: message.data.nodes });
        break;
      case "executed":
        progress({ kind: "executed", promptId, node: message.data.node, output: message.data.output });
        break;
      case "execution_success":
      case "execution_error":
      case "execution_interrupted":
        runningHere = false;
        trigger();
        break;
    }
  };

  // Type-1 previews and progress text name no prompt: they are ours while our prompt runs here.
  const onBinary = (frame: BinaryFrame): void => {
    if (frame.kind === "preview_with_metadata") {
      if (frame.metadata.prompt_id !== promptId) return;
      lastEventAt = Date.now();
      progress({ kind: "preview", promptId, node: frame.metadata.node_id, mime: frame.mime, bytes: frame.bytes });
    } else if (frame.kind === "preview" && runningHere) {
      progress({ kind: "preview", promptId, node: currentNode, mime: frame.mime, bytes: frame.bytes });
    } else if (frame.kind === "text" && runningHere) {
      progress({ kind: "text", promptId, node: frame.nodeId, text: frame.text });
    }
  };

  const onOpen = ({ reconnect }: { reconnect: boolean }): void => {
    if (!reconnect) return;
    mustLocate = true; // events may have been lost, or the server restarted
    trigger();
  };

  const poll = setInterval(() => {
    const now = Date.now();
    const socketOpen = session.state === "open";
    if (socketOpen && (now - lastEventAt < pollIntervalMs || now < nextPollAt)) return;
    quietPolls++;
    // Without a socket no event can come: poll at the base rate. With one, space polls out.
    nextPollAt = now + pollIntervalMs * Math.min(2 ** quietPolls, MAX_POLL_SPACING);
    if (quietPolls % LOCATE_EVERY_POLLS === 0) mustLocate = true;
    trigger();
  }, pollIntervalMs);

  const onAbort = (): void => fail(signal.reason);
  const offs = [session.on("message", onMessage), session.on("binary", onBinary), session.on("open", onOpen)];
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort();

  function stop(): void {
    if (stopped) return;
    stopped = true;
    clearInterval(poll);
    for (const off of offs) off();
    signal.removeEventListener("abort", onAbort);
  }

  return {
    finished,
    armed({ checkNow = false } = {}) {
      armed = true;
      lastEventAt = lastContactAt = Date.now();
      nextPollAt = lastEventAt + pollIntervalMs;
      if (checkNow) mustLocate = true;
      if ((wanted || checkNow) && !checking) void check();
    },
    stop,
  };
}
