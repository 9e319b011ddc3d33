/**
 * The prompt worker (main.py prompt_worker): one prompt at a time in queue order; status
 * broadcast on dequeue and after history is written; `executing {node: null}` last, to the
 * prompt's client only.
 */
import { executePrompt, ServerStopped } from "./executor.js";
import { createRng } from "../../../src/util/rng.js";
import { wireItem } from "./queue.js";
import type { Live } from "./state.js";

export async function runWorker(live: Live, signal: { waitForWork(): Promise<void> }): Promise<void> {
  const p = live.p;
  let unique = 0;
  while (!live.stopped) {
    if (live.freeMemory) {
      live.cache.clear();
      live.freeMemory = false;
    }
    const item = p.queue.take();
    if (!item) {
      await signal.waitForWork();
      continue;
    }
    live.broadcastStatus();
    live.interrupt = false;
    p.stats.executed[item.promptId] = (p.stats.executed[item.promptId] ?? 0) + 1;
    live.statsChanged();
    const clientId = typeof item.extraData["client_id"] === "string" ? (item.extraData["client_id"] as string) : undefined;
    let result;
    try {
      result = await executePrompt(item, {
        objectInfo: p.objectInfo,
        folders: p.folders,
        hub: live.hub,
        cache: live.cache,
        executionMs: p.executionMs,
        nodeDelayMs: p.nodeDelayMs,
        promptMs: p.promptMs,
        previewMethod: p.previewMethod,
        failNodes: p.faults.failNodes,
        interrupted: () => live.interrupt,
        sleep: (ms) => live.sleep(ms),
        previewPrefix: (nodeId) => {
          if (!p.previewPrefixes.has(nodeId)) {
            const rng = createRng("fake-comfy-preview-prefix", nodeId, p.previewPrefixes.size);
            p.previewPrefixes.set(nodeId, `_temp_${Array.from({ length: 5 }, () => rng.pick([..."abcdefghijklmnopqrstupvxyz"])).join("")}`);
          }
          return p.previewPrefixes.get(nodeId)!;
        },
        setLastNode: (id) => {
          live.lastNode = id;
        },
        firstEvents: () => {
          live.firstEventWaiters.get(item.promptId)?.();
          live.firstEventWaiters.delete(item.promptId);
        },
        unique: () => `nan:${p.life}:${unique++}`,
      });
    } catch (error) {
      if (error instanceof ServerStopped) return;
      // A bug in the fake itself: record the prompt as failed rather than hang the queue.
      const message = error instanceof Error ? error.message : String(error);
      result = { outputs: {}, status: { status_str: "error" as const, completed: false, messages: [["execution_error", { prompt_id: item.promptId, exception_message: message, timestamp: Date.now() }] as [string, Record<string, unknown>]] }, meta: {} };
    }
    p.queue.finish({ prompt: wireItem(item), ...result });
    live.lastNode = undefined;
    live.broadcastStatus();
    if (clientId !== undefined) live.hub.send("executing", { node: null, prompt_id: item.promptId }, clientId);
  }
}
