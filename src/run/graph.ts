/**
 * Turns a parsed workflow into a graph ready to run locally: schema-checked, validated against
 * the registry with ComfyUI's rules (every problem reported at once), pruned to what the output
 * nodes need, ordered, and with its seed widgets identified.
 */
import { ApiPromptSchema, isLink, type ApiPrompt } from "../graph/api-prompt.js";
import { validatePrompt, describeValidation } from "../graph/validate.js";
import { inputOptions, type ObjectInfo } from "../graph/object-info.js";
import { isUiWorkflow } from "../graph/ui-workflow.js";
import { uiToApi } from "../graph/ui-to-api.js";
import { defaultRegistry } from "../nodes/index.js";
import type { NodeDefinition } from "../nodes/define.js";
import type { NodeRegistry } from "../nodes/registry.js";
import { declaredMode, type SeedWidget } from "./seed-control.js";
import { GraphError } from "./errors.js";

export interface GraphNode {
  readonly id: string;
  readonly definition: NodeDefinition;
  /** Coerced constant inputs. */
  readonly constants: Readonly<Record<string, unknown>>;
  /** Linked inputs: input name -> [origin node id, output name]. */
  readonly links: Readonly<Record<string, readonly [string, string]>>;
}

export interface PreparedGraph {
  readonly prompt: ApiPrompt;
  /** Nodes in execution order (dependencies first), only those the outputs need. */
  readonly nodes: readonly GraphNode[];
  readonly outputs: readonly string[];
  readonly seedWidgets: readonly SeedWidget[];
}

/**
 * A workflow in either of ComfyUI's formats as an API prompt. The UI (editor) format is
 * converted against `objectInfo`, by default our registry's, as the editor would queue it.
 */
export function parsePrompt(value: unknown, source = "workflow", objectInfo?: ObjectInfo): ApiPrompt {
  if (isUiWorkflow(value)) return uiToApi(value, objectInfo ?? defaultRegistry().objectInfo(), source).prompt;
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
  return parsed.data;
}

export function prepareGraph(prompt: ApiPrompt, registry: NodeRegistry, source = "workflow"): PreparedGraph {
  const result = validatePrompt(prompt, registry.objectInfo());
  if (!result.ok) {
    const unknown = Object.entries(result.nodeErrors)
      .filter(([, e]) => e.errors.some((x) => x.type === "missing_node_type"))
      .map(([id, e]) => `node #${id}: unknown node type ${e.class_type} (known: ${registry.list().map((n) => n.type).join(", ")})`);
    throw new GraphError(unknown.length ? "WORKFLOW_UNKNOWN_NODE" : "WORKFLOW_INVALID", `${source} failed validation`, [...unknown, ...describeValidation(result)]);
  }
  if (Object.keys(result.nodeErrors).length > 0) {
    // The server would run the valid outputs only; a dataset run with a broken branch is a mistake.
    throw new GraphError("WORKFLOW_INVALID", `${source} failed validation`, describeValidation(result));
  }

  const order = topologicalOrder(prompt, result.outputs);
  const nodes: GraphNode[] = order.map((id) => {
    const node = prompt[id]!;
    const definition = registry.get(node.class_type)!;
    const links: Record<string, readonly [string, string]> = {};
    for (const [name, value] of Object.entries(node.inputs)) {
      if (!isLink(value) || !(name in definition.inputs)) continue;
      const origin = registry.get(prompt[value[0]]!.class_type)!;
      links[name] = [value[0], Object.keys(origin.outputs)[value[1]]!];
    }
    return { id, definition, constants: result.values[id] ?? {}, links };
  });
  return { prompt, nodes, outputs: result.outputs, seedWidgets: findSeedWidgets(prompt, nodes, registry) };
}

function topologicalOrder(prompt: ApiPrompt, outputs: readonly string[]): string[] {
  // Depth-first from the outputs; validation has already rejected cycles.
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (id: string) => {
    if (done.has(id)) return;
    done.add(id);
    for (const value of Object.values(prompt[id]!.inputs)) if (isLink(value)) visit(value[0]);
    order.push(id);
  };
  for (const id of [...outputs].sort(compareIds)) visit(id);
  return order;
}

function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
}

function findSeedWidgets(prompt: ApiPrompt, nodes: readonly GraphNode[], registry: NodeRegistry): SeedWidget[] {
  const widgets: SeedWidget[] = [];
  const info = registry.objectInfo();
  for (const node of nodes) {
    const def = info[node.definition.type]!;
    const controls = prompt[node.id]!._meta?.control_after_generate ?? {};
    for (const [name, wire] of Object.entries({ ...def.input.required, ...def.input.optional })) {
      const options = inputOptions(wire);
      const declared = declaredMode(options["control_after_generate"]);
      const value = node.constants[name];
      if (declared === undefined || typeof value !== "number") continue;
      widgets.push({
        nodeId: node.id,
        input: name,
        value,
        min: typeof options["min"] === "number" ? options["min"] : 0,
        max: typeof options["max"] === "number" ? options["max"] : Number.MAX_SAFE_INTEGER,
        mode: (controls[name] as SeedWidget["mode"] | undefined) ?? declared,
      });
    }
  }
  return widgets;
}
