/**
 * Loading a workflow for a command that runs it (`imgdiff run`, `imgdiff worker`, `imgdiff queue
 * submit`): a graph of our nodes alone needs nothing more; one with ComfyUI nodes needs servers
 * (--server), whose object_info converts and validates it, and a ServerPool to run its stages.
 */
import { availableParallelism } from "node:os";
import { ComfyClient } from "../client/client.js";
import { ServerPool } from "../client/pool.js";
import type { ObjectInfo } from "../graph/object-info.js";
import { unionObjectInfo } from "../graph/union-info.js";
import { isUiWorkflow } from "../graph/ui-workflow.js";
import type { NodeRegistry } from "../nodes/registry.js";
import { parsePrompt, prepareGraph, type PreparedGraph } from "../run/graph.js";
import type { RemoteRunner } from "../run/remote-stage.js";
import { createLocalPool, type LocalPool } from "../run/local-pool.js";
import { ImgDiffError } from "../errors.js";
import type { ServerProgress } from "./progress.js";

export interface Remote {
  readonly runner: RemoteRunner;
  /** The pool's servers for the progress display. */
  readonly servers: () => readonly ServerProgress[];
  close(): Promise<void>;
}

/**
 * The prepared graph, and for a graph with ComfyUI nodes the servers to run them: validated
 * against the object_info of the first server that answers (the pool's servers are meant to
 * be alike).
 */
export async function loadGraph(value: unknown, file: string, registry: NodeRegistry, servers: readonly string[], signal?: AbortSignal): Promise<{ graph: PreparedGraph; remote?: Remote }> {
  const foreign = foreignNodeTypes(value, registry);
  if (foreign.length === 0) return { graph: prepareGraph(parsePrompt(value, file, undefined, warn), registry, file) };
  if (servers.length === 0) {
    throw new ImgDiffError(
      "NO_SERVER",
      `${file} has ComfyUI nodes (${foreign.join(", ")}), which run on a ComfyUI server: give one with --server URL (e.g. --server http://127.0.0.1:8188; repeat it to use several)`,
    );
  }
  const clients = servers.map((baseUrl) => new ComfyClient({ baseUrl }));
  const pool = new ServerPool({ servers });
  const close = async () => {
    await pool.close();
    await Promise.all(clients.map((c) => c.close()));
  };
  try {
    const serverInfo = await firstObjectInfo(clients, signal);
    const prompt = parsePrompt(value, file, unionObjectInfo(serverInfo, registry.objectInfo()), warn);
    return { graph: prepareGraph(prompt, registry, file, serverInfo), remote: { runner: pool, servers: () => serverProgress(pool), close } };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The local worker threads for a graph's heavy nodes (none when `threads` is 0) and the samples
 * in flight, from the flags or by default. Threads: none if the graph has no `offload` node,
 * else one per core but the one the main thread keeps (it encodes, writes and talks to the
 * servers); each holds its own heap and caches (about 50 MB), so more would cost memory for
 * little speed. Samples: for a graph with ComfyUI stages two per server (one prompt running, the
 * next queued), since more would only wait in the pool; else enough for every thread and the
 * main thread.
 */
export function localExecution(
  graph: PreparedGraph,
  servers: number,
  flags: { readonly threads: number | undefined; readonly concurrency: number | undefined },
): { pool?: LocalPool; concurrency: number } {
  const threads = flags.threads ?? (graph.nodes.some((node) => node.definition.offload) ? Math.max(1, availableParallelism() - 1) : 0);
  const concurrency = flags.concurrency ?? (graph.plan.stages.length > 0 ? Math.max(2, 2 * servers) : Math.max(2, threads + 2));
  if (threads === 0) return { concurrency };
  const onBroken = (error: Error) => process.stderr.write(`warning: ${error.message}; its nodes run on the main thread\n`);
  return { pool: createLocalPool({ size: threads, onBroken }), concurrency };
}

/** A UI-format workflow's conversion warnings, on stderr before the run starts. */
function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

function serverProgress(pool: ServerPool): ServerProgress[] {
  return pool.status().map((s) => ({ url: s.url, busy: s.inFlight, done: s.completed, failed: s.moved, healthy: s.healthy }));
}

async function firstObjectInfo(clients: readonly ComfyClient[], signal: AbortSignal | undefined): Promise<ObjectInfo> {
  const failures: string[] = [];
  for (const client of clients) {
    try {
      return await client.objectInfo({ timeoutMs: 30_000, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw error;
      failures.push(`${client.baseUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new ImgDiffError("SERVER_UNREACHABLE", `no ComfyUI server answered GET /object_info:\n  - ${failures.join("\n  - ")}`);
}

/**
 * Node types in a workflow (either format) that are not ours: ComfyUI's, or unknown. An unknown
 * type in our pack's namespace is a mistake on our side, left for validation to name.
 */
function foreignNodeTypes(value: unknown, registry: NodeRegistry): string[] {
  if (typeof value !== "object" || value === null) return [];
  const types: string[] = [];
  if (isUiWorkflow(value)) {
    const frontendOnly = new Set(["PrimitiveNode", "Reroute", "Note", "MarkdownNote"]);
    const graphs = [value as { nodes?: unknown }, ...(((value as { definitions?: { subgraphs?: unknown } }).definitions?.subgraphs as unknown[] | undefined) ?? [])];
    for (const g of graphs) {
      for (const node of ((g as { nodes?: unknown }).nodes as Array<{ type?: unknown; mode?: unknown }> | undefined) ?? []) {
        // Muted (2) and bypassed (4) nodes are not queued.
        if (typeof node.type === "string" && !frontendOnly.has(node.type) && node.mode !== 2 && node.mode !== 4) types.push(node.type);
      }
    }
  } else {
    const body = "prompt" in value && !("class_type" in value) ? (value as { prompt: unknown }).prompt : value;
    for (const node of Object.values((body ?? {}) as Record<string, { class_type?: unknown }>)) if (typeof node?.class_type === "string") types.push(node.class_type);
  }
  // Subgraph instances are containers, not node types.
  const subgraphIds = new Set((((value as { definitions?: { subgraphs?: Array<{ id?: unknown }> } }).definitions?.subgraphs) ?? []).map((s) => s.id));
  return [...new Set(types)].filter((t) => !registry.has(t) && !t.startsWith("ImgDiff.") && !subgraphIds.has(t) && !t.startsWith("workflow>") && !t.startsWith("workflow/")).sort();
}

