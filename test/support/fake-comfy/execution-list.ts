/**
 * The order ComfyUI runs nodes in (comfy_execution/graph.py ExecutionList): outputs are added
 * with their uncached dependencies, and among the ready nodes the one chosen first is an output
 * node, else a node feeding an output, else one two steps before an output, else the first
 * added. Reproduces the recorded order (e.g. PreviewImage 19 running before most of a graph).
 */
import { isLink } from "../../../src/graph/api-prompt.js";
import type { Prompt } from "./validate.js";

export function* executionOrder(prompt: Prompt, outputs: readonly string[], isCached: (id: string) => boolean, isOutput: (id: string) => boolean): Generator<string, void, void> {
  const pending = new Set<string>();
  const blockCount = new Map<string, number>();
  const blocking = new Map<string, Set<string>>();

  const addNode = (start: string) => {
    const stack = [start];
    const links: Array<[string, string]> = [];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (pending.has(id)) continue;
      pending.add(id);
      blockCount.set(id, 0);
      blocking.set(id, new Set());
      for (const value of Object.values(prompt[id]?.inputs ?? {})) {
        if (!isLink(value) || !prompt[value[0]]) continue;
        if (!isCached(value[0])) stack.push(value[0]);
        links.push([value[0], id]);
      }
    }
    for (const [from, to] of links) {
      if (isCached(from)) continue;
      addNode(from);
      if (!blocking.get(from)!.has(to)) {
        blocking.get(from)!.add(to);
        blockCount.set(to, blockCount.get(to)! + 1);
      }
    }
  };
  for (const o of outputs) addNode(o);

  while (pending.size > 0) {
    const ready = [...pending].filter((id) => blockCount.get(id) === 0);
    if (ready.length === 0) return;
    const blocked = (id: string) => [...blocking.get(id)!];
    const pick =
      ready.find(isOutput) ??
      ready.find((id) => blocked(id).some(isOutput)) ??
      ready.find((id) => blocked(id).some((b) => blocked(b).some(isOutput))) ??
      ready[0]!;
    yield pick;
    pending.delete(pick);
    for (const to of blocking.get(pick)!) blockCount.set(to, blockCount.get(to)! - 1);
  }
}
