/**
 * Turns a parsed workflow into a graph ready to run: schema-checked, validated with ComfyUI's
 * rules against the registry (and, for a graph with ComfyUI nodes, the servers' object_info;
 * every problem reported at once), pruned to what the output nodes need, ordered, split into
 * local nodes and remote stages, and with its seed widgets identified (ours and ComfyUI's).
 */
import { compareIds } from "../graph/node-ids.js";
import { ApiPromptSchema, isLink, type ApiPrompt } from "../graph/api-prompt.js";
import { validatePrompt, describeValidation, validateWorkflow } from "../graph/validate.js";
import { inputOptions, type ObjectInfo } from "../graph/object-info.js";
import { unionObjectInfo } from "../graph/union-info.js";
import { checkJsonLimits, isUiWorkflow, WORKFLOW_LIMITS } from "../graph/ui-workflow.js";
import { uiToApi } from "../graph/ui-to-api.js";
import { defaultRegistry } from "../nodes/index.js";
import type { NodeDefinition } from "../nodes/define.js";
import type { NodeRegistry } from "../nodes/registry.js";
import { declaredMode, type SeedWidget } from "./seed-control.js";
import { GraphError } from "./errors.js";
import { planStages, type GraphPlan } from "./plan.js";

/** One of our nodes in a prepared graph. */
export interface GraphNode {
  readonly id: string;
  readonly definition: NodeDefinition;
  /** Coerced constant inputs. */
  readonly constants: Readonly<Record<string, unknown>>;
  /**
   * Linked inputs: input name -> [origin node id, output name]. A ComfyUI origin's outputs are
   * named by its object_info output_name.
   */
  readonly links: Readonly<Record<string, readonly [string, string]>>;
}

/** A constant string input rewritten for each sample, as the editor rewrites it at each queue. */
export interface TextWidget {
  readonly nodeId: string;
  readonly input: string;
  readonly value: string;
  readonly kind: "dynamic_prompt" | "filename_prefix";
}

export interface PreparedGraph {
  readonly prompt: ApiPrompt;
  /** Our nodes in execution order (dependencies first), only those the outputs need. */
  readonly nodes: readonly GraphNode[];
  /** Output nodes (ours and ComfyUI's). */
  readonly outputs: readonly string[];
  readonly seedWidgets: readonly SeedWidget[];
  /** String widgets the editor rewrites at every queue (dynamic prompts, filename prefixes). */
  readonly textWidgets: readonly TextWidget[];
  /** Local nodes and remote stages; a graph of our nodes only has no stages. */
  readonly plan: GraphPlan;
  /** The definitions the graph was validated against (ours, plus the server's when given). */
  readonly objectInfo: ObjectInfo;
}

/**
 * A workflow in either of ComfyUI's formats as an API prompt. The UI (editor) format is
 * converted against `objectInfo`, by default our registry's, as the editor would queue it.
 */
export function parsePrompt(value: unknown, source = "workflow", objectInfo?: ObjectInfo, warn?: (message: string) => void): ApiPrompt {
  // A shared workflow is untrusted: bounded in depth, size and node count before anything walks it.
  checkJsonLimits(value, source);
  if (isUiWorkflow(value)) {
    // What the conversion had to guess (a value the file did not save, say) is worth telling.
    const { prompt, warnings } = uiToApi(value, objectInfo ?? defaultRegistry().objectInfo(), source);
    for (const warning of warnings) warn?.(warning);
    return prompt;
  }
  // Accept a bare prompt or the body of POST /prompt ({"prompt": {...}}).
  const body = typeof value === "object" && value !== null && "prompt" in value && !("class_type" in value)
    ? (value as { prompt: unknown }).prompt
    : value;
  const parsed = ApiPromptSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const [id, ...rest] = i.path.map(String);
      return id === undefined ? i.message : `node #${id}${rest.length ? ` ${rest.join(".")}` : ""}: ${i.message}`;
    });
    throw new GraphError("WORKFLOW_MALFORMED", `${source} is not a valid API-format workflow`, problems);
  }
  const count = Object.keys(parsed.data).length;
  if (count > WORKFLOW_LIMITS.maxNodes) {
    throw new GraphError("WORKFLOW_TOO_LARGE", `${source} has ${count} nodes; workflows of more than ${WORKFLOW_LIMITS.maxNodes} nodes are refused`);
  }
  return parsed.data;
}

/**
 * Validates and plans a prompt. `serverInfo` (a ComfyUI server's object_info) is needed for a
 * graph with ComfyUI nodes; without it only our nodes are known.
 */
export function prepareGraph(prompt: ApiPrompt, registry: NodeRegistry, source = "workflow", serverInfo?: ObjectInfo): PreparedGraph {
  const info = serverInfo ? unionObjectInfo(serverInfo, registry.objectInfo()) : registry.objectInfo();
  const result = validatePrompt(prompt, info);
  if (!result.ok || Object.keys(result.nodeErrors).length > 0) {
    // With a server, the workflow check names missing models and the server's list of them.
    if (serverInfo) throw new GraphError("WORKFLOW_INVALID", `${source} failed validation`, validateWorkflow(prompt, info).problems);
    const unknown = Object.entries(result.nodeErrors)
      .filter(([, e]) => e.errors.some((x) => x.type === "missing_node_type"))
      .map(([id, e]) => `node #${id}: unknown node type ${e.class_type} (known: ${registry.list().map((n) => n.type).join(", ")})`);
    // A partial accept: the server would run the valid outputs only; a dataset run with a broken branch is a mistake.
    const code = !result.ok && unknown.length ? "WORKFLOW_UNKNOWN_NODE" : "WORKFLOW_INVALID";
    throw new GraphError(code, `${source} failed validation`, [...unknown, ...describeValidation(result)]);
  }

  const order = topologicalOrder(prompt, result.outputs, info);
  const plan = planStages({ prompt, objectInfo: info, isLocal: (type) => registry.has(type), order, outputs: result.outputs });
  const nodes: GraphNode[] = plan.localNodes.map((id) => {
    const node = prompt[id]!;
    const definition = registry.get(node.class_type)!;
    const links: Record<string, readonly [string, string]> = {};
    for (const [name, value] of Object.entries(node.inputs)) {
      if (!isLink(value) || !Object.hasOwn(definition.inputs, name)) continue;
      links[name] = [value[0], outputName(info, prompt[value[0]]!.class_type, value[1])];
    }
    return { id, definition, constants: result.values[id] ?? {}, links };
  });
  checkOutputFolders(nodes, source);
  const { seeds: seedWidgets, texts: textWidgets } = findSampleWidgets(prompt, order, result.values, info);
  return { prompt, nodes, outputs: result.outputs, seedWidgets, textWidgets, plan, objectInfo: info };
}

/** The name of output `slot` of a node type: our output key, or ComfyUI's output_name. */
export function outputName(info: ObjectInfo, classType: string, slot: number): string {
  const def = info[classType]!;
  return def.output_name?.[slot] ?? String(def.output[slot]);
}

/**
 * Dependencies first, from the outputs; validation has already rejected cycles. Iterative, so a
 * long chain cannot overflow the stack, and it follows only the links validation checked: those
 * of declared inputs (a stray link in an undeclared input is ignored, as the server ignores it).
 */
function topologicalOrder(prompt: ApiPrompt, outputs: readonly string[], info: ObjectInfo): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const links = (id: string): string[] => {
    const node = prompt[id]!;
    const def = info[node.class_type]!;
    const declared = { ...def.input.required, ...def.input.optional };
    return Object.entries(node.inputs)
      .filter(([name, value]) => Object.hasOwn(declared, name) && isLink(value) && Object.hasOwn(prompt, value[0]))
      .map(([, value]) => (value as readonly [string, number])[0]);
  };
  for (const output of [...outputs].sort(compareIds)) {
    if (seen.has(output)) continue;
    seen.add(output);
    const stack: Array<{ id: string; next: string[] }> = [{ id: output, next: links(output) }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const child = top.next.shift();
      if (child === undefined) {
        order.push(top.id);
        stack.pop();
      } else if (!seen.has(child)) {
        seen.add(child);
        stack.push({ id: child, next: links(child) });
      }
    }
  }
  return order;
}


/**
 * The widgets whose value changes from sample to sample, in one walk over the constant inputs:
 * seeds with a control mode, and strings the editor rewrites at each queue.
 */
function findSampleWidgets(
  prompt: ApiPrompt,
  order: readonly string[],
  values: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  info: ObjectInfo,
): { seeds: SeedWidget[]; texts: TextWidget[] } {
  const seeds: SeedWidget[] = [];
  const texts: TextWidget[] = [];
  for (const id of order) {
    const def = info[prompt[id]!.class_type]!;
    const controls = prompt[id]!._meta?.control_after_generate ?? {};
    for (const [name, wire] of Object.entries({ ...def.input.required, ...def.input.optional })) {
      const options = inputOptions(wire);
      const value = values[id]?.[name];
      const declared = declaredMode(options["control_after_generate"]);
      if (declared !== undefined && typeof value === "number") {
        seeds.push({
          nodeId: id,
          input: name,
          value,
          min: typeof options["min"] === "number" ? options["min"] : 0,
          max: typeof options["max"] === "number" ? options["max"] : Number.MAX_SAFE_INTEGER,
          mode: (controls[name] as SeedWidget["mode"] | undefined) ?? declared,
        });
      } else if (typeof value === "string") {
        if (options["dynamicPrompts"] === true && /[{}]|\/\/|\/\*/.test(value)) texts.push({ nodeId: id, input: name, value, kind: "dynamic_prompt" });
        else if (name === "filename_prefix" && value.includes("%")) texts.push({ nodeId: id, input: name, value, kind: "filename_prefix" });
      }
    }
  }
  return { seeds, texts };
}

/** Two output nodes writing into one folder would overwrite each other's files sample by sample. */
function checkOutputFolders(nodes: readonly GraphNode[], source: string): void {
  const owners = new Map<string, string>();
  const problems: string[] = [];
  for (const node of nodes) {
    const folder = node.definition.writesTo?.(node.constants);
    if (folder === undefined) continue;
    const key = folder.split("/").filter((s) => s !== "" && s !== ".").join("/");
    const owner = owners.get(key);
    if (owner) problems.push(`node #${node.id} (${node.definition.type}) writes into the same folder as ${owner} (${key === "" ? "the output folder itself" : JSON.stringify(key)}): give one of them its own subfolder`);
    else owners.set(key, `node #${node.id} (${node.definition.type})`);
  }
  if (problems.length > 0) throw new GraphError("WORKFLOW_INVALID", `${source} failed validation`, problems);
}
