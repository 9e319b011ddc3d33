/**
 * Runs one queued prompt the way PromptExecutor.execute does and sends its events in the
 * recorded order: execution_start, execution_cached, then per node progress_state (running) →
 * executing → [progress_state + progress per sampler step] → [executed] → progress_state
 * (finished); execution_success, or execution_error / execution_interrupted. Events go to the
 * prompt's client only; progress_state, progress, previews and an interrupt without a client go
 * to every socket. Returns what history records.
 */
import { isLink } from "../../../src/graph/api-prompt.js";
import type { NodeDefWire } from "../../../src/graph/object-info.js";
import { keepOnly, signatures, type CachedNode, type OutputCache } from "./cache.js";
import { executionOrder } from "./execution-list.js";
import type { Folders } from "./folders.js";
import { NODES, type NodeContext } from "./nodes/index.js";
import { encodePreview } from "./preview.js";
import { PyError, executionFrames, frame } from "./pyerror.js";
import { pyRepr } from "./py.js";
import type { HistoryEntry, QueueItem } from "./queue.js";
import type { Tensor } from "./tensors.js";
import type { Prompt } from "./validate.js";
import type { WsHub } from "./ws-hub.js";

export class Interrupted extends Error {}

/** Thrown by sleeps when the server closes or restarts mid-run: the run is abandoned. */
export class ServerStopped extends Error {}

export interface ExecEnv {
  readonly objectInfo: Record<string, NodeDefWire>;
  readonly folders: Folders;
  readonly hub: WsHub;
  readonly cache: OutputCache;
  readonly executionMs: number;
  readonly nodeDelayMs: number;
  readonly promptMs: number;
  /** The server's --preview-method; "none" unless previews were asked for. */
  readonly previewMethod: string;
  /** Node classes made to fail (faults.failNode). */
  readonly failNodes: ReadonlyMap<string, string>;
  /** Whether an interrupt for the running prompt was requested. */
  interrupted(): boolean;
  /** Waits; rejects when the server shuts down. */
  sleep(ms: number): Promise<void>;
  previewPrefix(nodeId: string): string;
  setLastNode(id: string | undefined): void;
  /** Called once, after the run's first node event (or at its end): for faults.eventsBeforeReply. */
  firstEvents(): void;
  /** A unique token: the IS_CHANGED value of a file that cannot be read (NaN never equals). */
  unique(): string;
}

type Messages = HistoryEntry["status"]["messages"];

/** str() of a value in execution_error's current_inputs (tensors summarised, not printed). */
function formatInput(value: unknown): unknown {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return value;
  const t = value as Partial<Tensor>;
  if (t.data instanceof Float32Array) return `tensor(<${[t.batch, t.height, t.width, t.channels].join(", ")}> float32)`;
  if (typeof value === "object" && value && "samples" in value) return `{'samples': ${formatInput((value as { samples: unknown }).samples)}}`;
  if (typeof value === "object" && value && "kind" in value) return `<comfy ${(value as { kind: string }).kind} object>`;
  return pyRepr(JSON.parse(JSON.stringify(value, (_k, v) => (v instanceof Float32Array ? "tensor" : v))));
}

export async function executePrompt(item: QueueItem, env: ExecEnv): Promise<Omit<HistoryEntry, "prompt">> {
  const { prompt, promptId } = item;
  const clientId = typeof item.extraData["client_id"] === "string" ? (item.extraData["client_id"] as string) : undefined;
  const messages: Messages = [];
  const addMessage = (event: string, data: Record<string, unknown>, broadcast = false) => {
    const stamped = { ...data, timestamp: Date.now() };
    messages.push([event, stamped]);
    if (clientId !== undefined || broadcast) env.hub.send(event, stamped, clientId);
  };
  const toClient = (event: string, data: unknown) => {
    if (clientId !== undefined) env.hub.send(event, data, clientId);
  };

  const startedAt = performance.now();
  addMessage("execution_start", { prompt_id: promptId });

  // IS_CHANGED values join the cache key and, as "is_changed", the prompt SaveImage embeds.
  const pngPrompt = structuredClone(prompt) as Prompt;
  const changed = new Map<string, unknown>();
  for (const [id, node] of Object.entries(prompt)) {
    const impl = NODES[node.class_type];
    if (!impl?.isChanged) continue;
    const value = impl.isChanged(node.inputs, env.folders) ?? env.unique();
    changed.set(id, value);
    pngPrompt[id]!["is_changed"] = [value];
  }
  const sigs = signatures(prompt, (id) => changed.get(id));
  keepOnly(env.cache, sigs.values());
  const cachedOf = (id: string): CachedNode | undefined => env.cache.get(sigs.get(id)!);

  addMessage("execution_cached", { nodes: Object.keys(prompt).filter((id) => cachedOf(id) !== undefined), prompt_id: promptId });

  const progress = new Map(Object.keys(prompt).map((id) => [id, { state: "pending", value: 0, max: 1 }]));
  const sendProgressState = () => {
    const nodes: Record<string, unknown> = {};
    for (const [id, p] of progress) {
      if (p.state === "pending") continue;
      nodes[id] = { value: p.value, max: p.max, state: p.state, node_id: id, prompt_id: promptId, display_node_id: id, parent_node_id: null, real_node_id: id };
    }
    env.hub.send("progress_state", { prompt_id: promptId, nodes }, clientId);
  };
  const setProgress = (id: string, state: string, value: number, max: number) => {
    progress.set(id, { state, value, max });
    sendProgressState();
  };

  const executed: string[] = [];
  const isOutput = (id: string) => env.objectInfo[prompt[id]!.class_type]?.output_node === true;
  let firstSent = false;
  const markFirst = () => {
    if (!firstSent) env.firstEvents();
    firstSent = true;
  };
  let failure: { id: string; error: unknown; inputs: Record<string, unknown> } | undefined;

  for (const id of executionOrder(prompt, item.outputs, (n) => cachedOf(n) !== undefined, isOutput)) {
    const node = prompt[id]!;
    const cached = cachedOf(id);
    if (cached) {
      toClient("executed", { node: id, display_node: id, output: cached.ui?.output ?? null, prompt_id: promptId });
      setProgress(id, "finished", 1, 1);
      markFirst();
      continue;
    }
    const def = env.objectInfo[node.class_type]!;
    const inputs: Record<string, unknown> = {};
    for (const name of [...Object.keys(def.input.required ?? {}), ...Object.keys(def.input.optional ?? {})]) {
      if (!Object.hasOwn(node.inputs, name)) continue;
      const value = node.inputs[name];
      inputs[name] = isLink(value) ? (env.cache.get(sigs.get(value[0])!)?.outputs[value[1] < 0 ? value[1] + def.output.length : value[1]]) : value;
    }
    setProgress(id, "running", 0, 1);
    env.setLastNode(id);
    toClient("executing", { node: id, display_node: id, prompt_id: promptId });
    markFirst();
    try {
      if (env.interrupted()) throw new Interrupted();
      if (env.nodeDelayMs > 0) await env.sleep(env.nodeDelayMs);
      const impl = NODES[node.class_type];
      if (!impl) throw new PyError("NotImplementedError", `the fake ComfyUI server does not execute ${node.class_type}`, [frame("execution.py", 277, "process_inputs", "result = f(**inputs)")]);
      const failMessage = env.failNodes.get(node.class_type);
      if (failMessage !== undefined) throw new PyError("RuntimeError", failMessage, impl.frames);
      let samplerStart: number | undefined;
      const ctx: NodeContext = {
        promptId,
        nodeId: id,
        folders: env.folders,
        pngPrompt,
        floats: item.floats,
        extraPnginfo: item.extraData["extra_pnginfo"],
        previewPrefix: () => env.previewPrefix(id),
        step: async (value, max, preview) => {
          if (env.interrupted()) throw new Interrupted();
          if (env.executionMs > 0) {
            // Sleep to absolute deadlines, so a sampler of N steps takes executionMs in all,
            // not executionMs plus N timer overshoots.
            samplerStart ??= performance.now() - (env.executionMs * (value - 1)) / max;
            await env.sleep(Math.max(0, samplerStart + (env.executionMs * value) / max - performance.now()));
          }
          progress.set(id, { state: "running", value, max });
          sendProgressState();
          const method = typeof item.extraData["preview_method"] === "string" ? (item.extraData["preview_method"] as string) : env.previewMethod;
          const frameBytes = preview && method !== "none" && method !== "default" ? await encodePreview(preview()) : undefined;
          const metadata = env.hub.wantsMetadata(clientId);
          if (frameBytes && metadata) {
            const meta = Buffer.from(JSON.stringify({ node_id: id, prompt_id: promptId, display_node_id: id, parent_node_id: id, real_node_id: id, image_type: "image/jpeg" }));
            const head = Buffer.alloc(8);
            head.writeUInt32BE(4, 0);
            head.writeUInt32BE(meta.length, 4);
            env.hub.sendBinary(Buffer.concat([head, meta, frameBytes]), clientId);
          }
          env.hub.send("progress", { value, max, prompt_id: promptId, node: id }, clientId);
          if (frameBytes && !metadata) {
            const head = Buffer.alloc(8);
            head.writeUInt32BE(1, 0);
            head.writeUInt32BE(1, 4);
            env.hub.sendBinary(Buffer.concat([head, frameBytes]), clientId);
          }
        },
      };
      const result = await impl.run(inputs, ctx);
      const ui = result.ui ? { output: result.ui, meta: { node_id: id, display_node: id, parent_node: null, real_node_id: id } } : undefined;
      if (ui) toClient("executed", { node: id, display_node: id, output: ui.output, prompt_id: promptId });
      env.cache.set(sigs.get(id)!, { outputs: result.outputs, ...(ui ? { ui } : {}) });
      setProgress(id, "finished", 1, 1);
      executed.push(id);
    } catch (error) {
      if (error instanceof ServerStopped) throw error;
      failure = { id, error, inputs };
      break;
    }
  }
  markFirst();
  if (!failure && env.promptMs > 0) await env.sleep(Math.max(0, startedAt + env.promptMs - performance.now()));

  if (!failure) addMessage("execution_success", { prompt_id: promptId });
  else if (failure.error instanceof Interrupted) {
    addMessage("execution_interrupted", { prompt_id: promptId, node_id: failure.id, node_type: prompt[failure.id]!.class_type, executed }, true);
  } else {
    const ex = failure.error instanceof PyError ? failure.error : new PyError("RuntimeError", String((failure.error as Error)?.message ?? failure.error));
    const impl = NODES[prompt[failure.id]!.class_type];
    addMessage("execution_error", {
      prompt_id: promptId,
      node_id: failure.id,
      node_type: prompt[failure.id]!.class_type,
      executed,
      exception_message: `${ex.message}\n`,
      exception_type: ex.pyType,
      traceback: executionFrames(ex.frames.length > 0 ? ex.frames : (impl?.frames ?? [])),
      current_inputs: Object.fromEntries(Object.entries(failure.inputs).map(([k, v]) => [k, [formatInput(v)]])),
      current_outputs: Object.keys(prompt),
    });
  }

  const outputs: Record<string, unknown> = {};
  const meta: Record<string, unknown> = {};
  for (const id of Object.keys(prompt)) {
    const ui = cachedOf(id)?.ui;
    if (!ui) continue;
    outputs[id] = ui.output;
    meta[id] = ui.meta;
  }
  const ok = failure === undefined;
  return { outputs, status: { status_str: ok ? "success" : "error", completed: ok, messages }, meta };
}
