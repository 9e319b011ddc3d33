/**
 * The prompt queue and history of PromptQueue (execution.py): a binary heap ordered by
 * (number, prompt_id), listed in heap order by GET /queue as the real server does; history in
 * insertion order, at most 10000 entries.
 */
import type { Prompt } from "./validate.js";

export interface QueueItem {
  readonly number: number;
  readonly promptId: string;
  readonly prompt: Prompt;
  readonly extraData: Record<string, unknown>;
  readonly outputs: readonly string[];
  /** Which inputs are Python floats (for the PNG prompt chunk). */
  readonly floats: ReadonlySet<string>;
}

export interface HistoryEntry {
  prompt: [number, string, Prompt, Record<string, unknown>, string[]];
  outputs: Record<string, unknown>;
  status: { status_str: "success" | "error"; completed: boolean; messages: Array<[string, Record<string, unknown>]> };
  meta: Record<string, unknown>;
}

const MAX_HISTORY = 10000;

const before = (a: QueueItem, b: QueueItem) => a.number < b.number || (a.number === b.number && a.promptId < b.promptId);

export class PromptQueue {
  private heap: QueueItem[] = [];
  private running: QueueItem | undefined;
  readonly history = new Map<string, HistoryEntry>();

  get pending(): readonly QueueItem[] {
    return this.heap;
  }

  get current(): QueueItem | undefined {
    return this.running;
  }

  /** queue_remaining: the running prompt counts. */
  remaining(): number {
    return this.heap.length + (this.running ? 1 : 0);
  }

  put(item: QueueItem): void {
    this.heap.push(item);
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(this.heap[i]!, this.heap[parent]!)) break;
      [this.heap[i], this.heap[parent]] = [this.heap[parent]!, this.heap[i]!];
      i = parent;
    }
  }

  /** Pop the next item and mark it running. */
  take(): QueueItem | undefined {
    if (this.heap.length === 0) return undefined;
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    this.running = top;
    return top;
  }

  finish(entry: HistoryEntry): void {
    if (!this.running) return;
    this.history.set(this.running.promptId, entry);
    while (this.history.size > MAX_HISTORY) this.history.delete(this.history.keys().next().value!);
    this.running = undefined;
  }

  /** Requeue the running item in front (a restart that keeps the queue). */
  requeueRunning(): void {
    if (!this.running) return;
    this.put({ ...this.running, number: Math.min(0, ...this.heap.map((i) => i.number)) - 1 });
    this.running = undefined;
  }

  delete(promptIds: readonly unknown[]): boolean {
    const before = this.heap.length;
    this.heap = this.heap.filter((item) => !promptIds.includes(item.promptId));
    if (this.heap.length !== before) this.heapify();
    return this.heap.length !== before;
  }

  wipe(): void {
    this.heap = [];
  }

  private heapify(): void {
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.heap.length && before(this.heap[l]!, this.heap[m]!)) m = l;
      if (r < this.heap.length && before(this.heap[r]!, this.heap[m]!)) m = r;
      if (m === i) return;
      [this.heap[i], this.heap[m]] = [this.heap[m]!, this.heap[i]!];
      i = m;
    }
  }
}

/** `[number, prompt_id, prompt, extra_data, outputs_to_execute]` as /queue and history show it. */
export function wireItem(item: QueueItem): [number, string, Prompt, Record<string, unknown>, string[]] {
  return [item.number, item.promptId, item.prompt, item.extraData, [...item.outputs]];
}

/** get_history(max_items, offset): with max_items and no offset, the last max_items entries. */
export function historySlice(history: ReadonlyMap<string, HistoryEntry>, maxItems: number | undefined, offset: number): Record<string, HistoryEntry> {
  let start = offset;
  if (start < 0 && maxItems !== undefined) start = history.size - maxItems;
  const out: Record<string, HistoryEntry> = {};
  let i = 0;
  for (const [id, entry] of history) {
    if (i >= start) {
      out[id] = entry;
      if (maxItems !== undefined && Object.keys(out).length >= maxItems) break;
    }
    i++;
  }
  return out;
}
