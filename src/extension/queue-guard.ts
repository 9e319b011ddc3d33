/**
 * Queueing a graph with ImgDiff nodes in ComfyUI would silently drop them (they are virtual
 * there) and run whatever is left, or send an empty prompt. The guard wraps `app.queuePrompt`
 * (every Run/Queue button and shortcut goes through it), queues nothing when an active ImgDiff
 * node is present, and shows how to run the workflow with the imgdiff command instead.
 */
import { MODE_BYPASS, MODE_NEVER, classTypeOf, type ComfyApp, type LGraph, type LGraphNode } from "./comfy-types.js";
import type { NodePack } from "./pack.js";
import { runCommand, type RunNotice } from "./run-notice.js";

/** Our nodes that would run: not muted or bypassed, in the root graph or any subgraph. */
export function activeImgDiffNodes(graph: LGraph, types: ReadonlySet<string>): LGraphNode[] {
  const graphs = [graph, ...(graph.subgraphs?.values() ?? [])];
  return graphs.flatMap((g) =>
    g.nodes.filter((node) => types.has(classTypeOf(node)) && node.mode !== MODE_NEVER && node.mode !== MODE_BYPASS),
  );
}

/**
 * The API-format prompt the frontend itself would produce if our nodes were not virtual: the
 * same widget and link rules (control_after_generate, bypass, reroutes) as a real queue.
 */
export async function promptWithImgDiffNodes(app: ComfyApp, nodes: readonly LGraphNode[]): Promise<unknown> {
  for (const node of nodes) node.isVirtualNode = false;
  try {
    return (await app.graphToPrompt()).output;
  } finally {
    for (const node of nodes) node.isVirtualNode = true;
  }
}

export function guardQueue(app: ComfyApp, pack: NodePack, types: ReadonlySet<string>, notify: (notice: RunNotice) => void): void {
  const queue = app.queuePrompt.bind(app);
  // Arguments pass through untouched: newer frontends give an options object as the third.
  app.queuePrompt = async (...args: Parameters<ComfyApp["queuePrompt"]>) => {
    // Older frontends have only `app.graph` (now a deprecated alias of rootGraph).
    const nodes = activeImgDiffNodes(app.rootGraph ?? app.graph, types);
    if (nodes.length === 0) return queue(...args);
    const fileName = `${workflowName(app)}.api.json`;
    notify({
      nodes: nodes.map((node) => `${node.title} #${node.id}`),
      fileName,
      prompt: await promptWithImgDiffNodes(app, nodes),
      command: runCommand(fileName),
      version: pack.version,
    });
    return false;
  };
}

/** The open workflow's file name without extension, or "workflow" for an unsaved graph. */
function workflowName(app: ComfyApp): string {
  const store = app.extensionManager?.workflow as { activeWorkflow?: { filename?: string } } | undefined;
  const name = store?.activeWorkflow?.filename?.replace(/\.json$/i, "").trim();
  return name ? name.replace(/[^\w.-]+/g, "-") : "workflow";
}
