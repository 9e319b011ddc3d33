/**
 * Types of the ComfyUI frontend as 1.45.6 declares them. The package exports ComfyApp and
 * ComfyExtension but not LiteGraph's classes, so those are derived from the hook signatures.
 */
import type { ComfyApp, ComfyExtension } from "@comfyorg/comfyui-frontend-types";

export type { ComfyApp, ComfyExtension };
export type LGraphNode = Parameters<NonNullable<ComfyExtension["nodeCreated"]>>[0];
export type LGraph = ComfyApp["rootGraph"];

/** LiteGraph's node modes: NEVER (muted) and BYPASS nodes are left out of a queued prompt. */
export const MODE_NEVER = 2;
export const MODE_BYPASS = 4;

/**
 * A node's class type. The frontend sets `comfyClass` in the node's constructor, before the
 * `nodeCreated` hook runs; LiteGraph assigns `type` only after construction.
 */
export function classTypeOf(node: LGraphNode): string {
  return node.comfyClass ?? node.type;
}
