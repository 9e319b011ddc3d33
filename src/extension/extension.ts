/**
 * The ComfyUI frontend extension: our nodes, defined once with defineNode, appear in the editor
 * with ComfyUI's own widgets, as frontend-only nodes.
 *
 * - `addCustomNodeDefs` adds our object_info definitions to the ones the server sent, so the
 *   frontend builds each node exactly as it builds a server node (same widget constructors,
 *   seed control widgets, tooltips, node library categories, widget order in saved workflows).
 *   A type the server already defines is left alone: a server that can execute it wins.
 * - `nodeCreated` marks each of those nodes virtual (graphToPrompt leaves virtual nodes out of
 *   the prompt) and gives it the pack's colours; a saved workflow's own colours are applied later.
 * - `setup` installs the queue guard (queue-guard.ts).
 */
import { classTypeOf, type ComfyExtension } from "./comfy-types.js";
import { isPackCategory, type NodePack } from "./pack.js";
import { guardQueue } from "./queue-guard.js";
import type { RunNotice } from "./run-notice.js";

export const EXTENSION_NAME = "imgdiff.nodes";

export function imgdiffExtension(pack: NodePack, notify: (notice: RunNotice) => void): ComfyExtension {
  /** The types this extension supplied (the server did not have them): these are virtual. */
  const virtualTypes = new Set<string>();
  return {
    name: EXTENSION_NAME,
    addCustomNodeDefs(defs) {
      for (const [type, def] of Object.entries(pack.nodes)) {
        if (type in defs) continue;
        defs[type] = structuredClone(def);
        virtualTypes.add(type);
      }
    },
    nodeCreated(node) {
      const type = classTypeOf(node);
      if (!virtualTypes.has(type)) return;
      node.isVirtualNode = true;
      if (isPackCategory(pack.nodes[type]?.category)) {
        node.color = pack.colors.color;
        node.bgcolor = pack.colors.bgcolor;
      }
    },
    setup(app) {
      guardQueue(app, pack, virtualTypes, notify);
    },
  };
}
