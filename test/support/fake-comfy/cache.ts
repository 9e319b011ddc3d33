/**
 * The output cache ("classic" mode): keyed by a node's input signature (class, IS_CHANGED value,
 * constants, and the signatures of linked nodes), not by node id, so the same LoadImage in
 * another prompt is a hit. Before each prompt, entries the new prompt does not use are dropped.
 */
import { createHash } from "node:crypto";
import { isLink } from "../../../src/graph/api-prompt.js";
import type { Prompt } from "./validate.js";

export interface CachedNode {
  readonly outputs: readonly unknown[];
  readonly ui?: { readonly output: Record<string, unknown>; readonly meta: Record<string, unknown> };
}

export type OutputCache = Map<string, CachedNode>;

/** Signature per node of the prompt. `isChanged` gives a node's IS_CHANGED value, if it has one. */
export function signatures(prompt: Prompt, isChanged: (id: string) => unknown): Map<string, string> {
  const out = new Map<string, string>();
  const visiting = new Set<string>();
  const sig = (id: string): string => {
    const known = out.get(id);
    if (known) return known;
    if (!prompt[id] || visiting.has(id)) return `missing:${id}`;
    visiting.add(id);
    const node = prompt[id]!;
    const inputs = Object.keys(node.inputs ?? {})
      .sort()
      .map((name) => {
        const value = node.inputs[name];
        return [name, isLink(value) ? ["link", sig(value[0]), value[1]] : value];
      });
    const text = JSON.stringify([node.class_type, isChanged(id) ?? null, inputs]);
    const hash = createHash("sha256").update(text).digest("hex");
    visiting.delete(id);
    out.set(id, hash);
    return hash;
  };
  for (const id of Object.keys(prompt)) sig(id);
  return out;
}

export function keepOnly(cache: OutputCache, used: Iterable<string>): void {
  const keep = new Set(used);
  for (const key of cache.keys()) if (!keep.has(key)) cache.delete(key);
}
