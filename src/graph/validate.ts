/**
 * Validation of an API prompt against node definitions in object_info form, by the server's
 * rules (ComfyUI execution.py validate_prompt / validate_inputs), with the server's error types
 * and messages. Unlike the server, which stops at the first unknown node, every problem is
 * reported at once; and a few server traps are closed on purpose (documented where they are).
 * Pure: no I/O.
 */
import { isLink, unwrapValue, type ApiPrompt } from "./api-prompt.js";
import { declaredType, inputOptions, outputType, type InputWire, type NodeDefWire, type ObjectInfo } from "./object-info.js";

export interface ValidationIssue {
  readonly type: string;
  readonly message: string;
  readonly details: string;
  readonly extra_info: Readonly<Record<string, unknown>>;
}

export interface NodeErrors {
  readonly errors: ValidationIssue[];
  readonly dependent_outputs: string[];
  readonly class_type: string;
}

export interface ValidationResult {
  readonly ok: boolean;
  /** The prompt-level error, as in the server's 400 body. */
  readonly error?: ValidationIssue;
  readonly nodeErrors: Readonly<Record<string, NodeErrors>>;
  /** Output nodes that passed validation (the server runs only these). */
  readonly outputs: readonly string[];
  /** Every node the valid outputs depend on, with its constants coerced to their declared types. */
  readonly values: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const PRIMITIVE_TYPES = new Set(["INT", "FLOAT", "STRING", "BOOLEAN"]);

function issue(type: string, message: string, details = "", extra_info: Record<string, unknown> = {}): ValidationIssue {
  return { type, message, details, extra_info };
}

/** Python's rendering of a number in messages ("1.0" for a float 1). */
function pyNumber(value: number, type: string): string {
  return type === "FLOAT" && Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function typesMatch(received: string, expected: string): boolean {
  if (received === expected) return true;
  const a = new Set(received.split(","));
  return expected.split(",").some((t) => a.has(t));
}

type Coerced = { ok: true; value: unknown } | { ok: false; reason: string };

function coerce(value: unknown, type: string): Coerced {
  switch (type) {
    case "INT": {
      if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value: Math.trunc(value) };
      if (typeof value === "string" && /^\s*[-+]?\d+\s*$/.test(value)) return { ok: true, value: Number.parseInt(value, 10) };
      if (typeof value === "boolean") return { ok: true, value: value ? 1 : 0 };
      return { ok: false, reason: `invalid literal for int() with base 10: ${JSON.stringify(value)}` };
    }
    case "FLOAT": {
      if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return { ok: true, value: Number(value) };
      return { ok: false, reason: `could not convert ${JSON.stringify(value)} to float` };
    }
    case "STRING":
      if (typeof value === "string") return { ok: true, value };
      if (typeof value === "number" || typeof value === "boolean") return { ok: true, value: String(value) };
      return { ok: false, reason: `expected a string, received ${JSON.stringify(value)}` };
    case "BOOLEAN":
      // The server applies Python's bool(), which turns the string "false" into True. A workflow
      // that says "false" means false, so strings are refused rather than silently inverted.
      if (typeof value === "boolean") return { ok: true, value };
      if (typeof value === "number") return { ok: true, value: value !== 0 };
      return { ok: false, reason: `expected true or false, received ${JSON.stringify(value)}` };
    default:
      return { ok: true, value };
  }
}


export interface ValidateOptions {
  /** Validate only toward these output nodes (the server's partial_execution_targets). */
  readonly targets?: readonly string[];
}

export function validatePrompt(prompt: ApiPrompt, objectInfo: ObjectInfo, options: ValidateOptions = {}): ValidationResult {
  const nodeErrors: Record<string, NodeErrors> = {};
  const values: Record<string, Record<string, unknown>> = {};
  const fail = (error: ValidationIssue): ValidationResult => ({ ok: false, error, nodeErrors, outputs: [], values: {} });

  const unknown = Object.entries(prompt).filter(([, node]) => !Object.hasOwn(objectInfo, node.class_type));
  if (unknown.length > 0) {
    for (const [id, node] of unknown) {
      nodeErrors[id] = {
        errors: [issue("missing_node_type", `Node '${node.class_type}' not found. The custom node may not be installed.`, `Node ID '#${id}'`, { node_id: id, class_type: node.class_type })],
        dependent_outputs: [],
        class_type: node.class_type,
      };
    }
    const names = [...new Set(unknown.map(([, n]) => n.class_type))].join(", ");
    return fail(issue("invalid_prompt", `Cannot execute because node ${names} does not exist.`, unknown.map(([id]) => `Node ID '#${id}'`).join(", ")));
  }

  const defOf = (id: string): NodeDefWire => objectInfo[prompt[id]!.class_type]!;
  let outputs = Object.keys(prompt).filter((id) => defOf(id).output_node === true);
  if (options.targets) outputs = outputs.filter((id) => options.targets!.includes(id));
  if (outputs.length === 0) return fail(issue("prompt_no_outputs", "Prompt has no outputs"));

  // Recursive check along links, memoised per node, as the server does. `visiting` catches cycles,
  // which the server only finds at execution time.
  const valid = new Map<string, boolean>();
  const visiting = new Set<string>();
  const addError = (id: string, e: ValidationIssue) => {
    const entry = (nodeErrors[id] ??= { errors: [], dependent_outputs: [], class_type: prompt[id]!.class_type });
    entry.errors.push(e);
  };

  const validateNode = (id: string, path: string[]): boolean => {
    const known = valid.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) {
      const cycle = [...path.slice(path.indexOf(id)), id];
      addError(id, issue("dependency_cycle", "Dependency cycle detected", cycle.map((n) => `#${n}`).join(" -> "), { cycle }));
      return false;
    }
    visiting.add(id);
    const node = prompt[id]!;
    const def = defOf(id);
    const out: Record<string, unknown> = {};
    let ok = true;
    let upstreamOk = true;
    const declared: Array<[string, InputWire, boolean]> = [
      ...Object.entries(def.input.required ?? {}).map(([n, w]): [string, InputWire, boolean] => [n, w, true]),
      ...Object.entries(def.input.optional ?? {}).map(([n, w]): [string, InputWire, boolean] => [n, w, false]),
    ];
    for (const [name, wire, required] of declared) {
      const config = { input_name: name, input_config: wire };
      if (!Object.hasOwn(node.inputs, name) || node.inputs[name] === undefined) {
        if (required) {
          addError(id, issue("required_input_missing", "Required input is missing", name, { input_name: name }));
          ok = false;
        }
        continue;
      }
      const raw = node.inputs[name];
      const type = declaredType(wire);
      if (Array.isArray(raw) && !isLink(raw)) {
        if (raw.length !== 2) {
          addError(id, issue("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", name, config));
        } else {
          addError(id, issue("bad_linked_input", "Bad linked input, the node id must be a string", `${name}: ${JSON.stringify(raw)}`, config));
        }
        ok = false;
        continue;
      }
      if (isLink(raw)) {
        const [from, slot] = raw;
        if (!Object.hasOwn(prompt, from)) {
          addError(id, issue("exception_during_validation", "Exception when validating node", `'${from}'`, { ...config, link: raw, reason: `input ${name} links to node #${from}, which is not in the prompt` }));
          ok = false;
          continue;
        }
        const received = outputType(defOf(from), slot);
        if (received === undefined || !Number.isInteger(slot)) {
          addError(id, issue("exception_during_validation", "Exception when validating node", "tuple index out of range", { ...config, link: raw, reason: `input ${name} links to output slot ${slot} of node #${from} (${prompt[from]!.class_type}), which has ${defOf(from).output.length} outputs` }));
          ok = false;
          continue;
        }
        const expected = Array.isArray(type) ? "COMBO" : (type as string);
        if (!typesMatch(received, expected)) {
          addError(id, issue("return_type_mismatch", "Return type mismatch between linked nodes", `${name}, received_type(${received}) mismatch input_type(${expected})`, { ...config, received_type: received, linked_node: raw }));
          ok = false;
          continue;
        }
        if (!validateNode(from, [...path, id])) upstreamOk = false;
        continue;
      }

      let value = unwrapValue(raw);
      if (typeof type === "string" && !PRIMITIVE_TYPES.has(type) && type !== "COMBO") {
        // The server does not check constants given to socket types and fails at run time;
        // saying so at validation names the input instead.
        addError(id, issue("invalid_input_type", `Input ${name} needs a link from a node that outputs ${type}`, `${name}, received a constant ${JSON.stringify(value)?.slice(0, 80)}`, { ...config, received_value: value }));
        ok = false;
        continue;
      }
      if (typeof type === "string") {
        const coerced = coerce(value, type);
        if (!coerced.ok) {
          addError(id, issue("invalid_input_type", `Failed to convert an input value to a ${type} value`, `${name}, ${JSON.stringify(value)}, ${coerced.reason}`, { ...config, received_value: value }));
          ok = false;
          continue;
        }
        value = coerced.value;
        const opts = inputOptions(wire);
        if (typeof value === "number") {
          const min = opts["min"];
          const max = opts["max"];
          if (typeof min === "number" && value < min) {
            addError(id, issue("value_smaller_than_min", `Value ${pyNumber(value, type)} smaller than min of ${pyNumber(min, type)}`, name, { ...config, received_value: value }));
            ok = false;
            continue;
          }
          if (typeof max === "number" && value > max) {
            addError(id, issue("value_bigger_than_max", `Value ${pyNumber(value, type)} bigger than max of ${pyNumber(max, type)}`, name, { ...config, received_value: value }));
            ok = false;
            continue;
          }
        }
      }
      // Upload combos (LoadImage, LoadImageMask) are checked by the node's own VALIDATE_INPUTS
      // against the server's input folder, not by list membership.
      const uploadCombo = inputOptions(wire)["image_upload"] === true || inputOptions(wire)["image_folder"] !== undefined;
      if (Array.isArray(type) && !uploadCombo && !type.includes(value)) {
        const list = `[${type.map((v) => (typeof v === "string" ? `'${v}'` : String(v))).join(", ")}]`;
        addError(id, issue("value_not_in_list", "Value not in list", `${name}: '${String(value)}' not in ${list}`, { ...config, received_value: value }));
        ok = false;
        continue;
      }
      out[name] = value;
    }
    visiting.delete(id);
    const result = ok && upstreamOk;
    valid.set(id, result);
    if (result) values[id] = out;
    return result;
  };

  // Validate dependencies first, in an order found without recursion, so validateNode's own
  // recursion along links only ever meets nodes already decided: a chain of thousands of nodes
  // cannot overflow the stack. Cycles are found here too, and their nodes marked invalid.
  for (const id of dependencyOrder(prompt, objectInfo, outputs, (cycle) => {
    const first = cycle[0]!;
    const shown = cycle.length > 12 ? [...cycle.slice(0, 10), `... (${cycle.length - 1} nodes in all)`, first] : cycle;
    if (!valid.has(first)) addError(first, issue("dependency_cycle", "Dependency cycle detected", shown.map((n) => (n.startsWith("...") ? n : `#${n}`)).join(" -> "), { cycle }));
    for (const n of cycle) valid.set(n, false);
  })) {
    validateNode(id, []);
  }

  const validOutputs: string[] = [];
  for (const id of outputs) {
    if (validateNode(id, [])) validOutputs.push(id);
    else {
      for (const [nodeId, entry] of Object.entries(nodeErrors)) {
        if (dependsOn(prompt, id, nodeId)) entry.dependent_outputs.push(id);
      }
    }
  }
  if (validOutputs.length === 0) {
    return { ok: false, error: issue("prompt_outputs_failed_validation", "Prompt outputs failed validation"), nodeErrors, outputs: [], values: {} };
  }
  // A partial accept (some outputs invalid) is ok, as with the server's 200 + node_errors.
  return { ok: true, nodeErrors, outputs: validOutputs, values };
}

/**
 * Nodes reachable from `outputs` along the links of declared inputs, dependencies first,
 * found iteratively; each cycle met is passed to `onCycle` (as [a, ..., a]).
 */
function dependencyOrder(prompt: ApiPrompt, objectInfo: ObjectInfo, outputs: readonly string[], onCycle: (cycle: string[]) => void): string[] {
  const upstream = (id: string): string[] => {
    const node = prompt[id]!;
    const def = objectInfo[node.class_type]!;
    const declared = { ...def.input.required, ...def.input.optional };
    const ids: string[] = [];
    for (const [name, value] of Object.entries(node.inputs)) {
      if (Object.hasOwn(declared, name) && isLink(value) && Object.hasOwn(prompt, value[0])) ids.push(value[0]);
    }
    return ids;
  };
  const order: string[] = [];
  const state = new Map<string, "open" | "done">();
  for (const output of outputs) {
    if (state.has(output)) continue;
    state.set(output, "open");
    const stack = [{ id: output, next: upstream(output) }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const child = top.next.shift();
      if (child === undefined) {
        state.set(top.id, "done");
        order.push(top.id);
        stack.pop();
      } else if (!state.has(child)) {
        state.set(child, "open");
        stack.push({ id: child, next: upstream(child) });
      } else if (state.get(child) === "open") {
        const path = stack.map((frame) => frame.id);
        onCycle([...path.slice(path.indexOf(child)), child]);
      }
    }
  }
  return order;
}

/** Whether `output` depends on `node` (or is it), following links. Cycle-safe. */
function dependsOn(prompt: ApiPrompt, output: string, node: string): boolean {
  const seen = new Set<string>();
  const stack = [output];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === node) return true;
    if (seen.has(id) || !prompt[id]) continue;
    seen.add(id);
    for (const value of Object.values(prompt[id]!.inputs)) if (isLink(value)) stack.push(value[0]);
  }
  return false;
}

/** One line per problem, naming node id, class and input, for people. */
export function describeValidation(result: ValidationResult): string[] {
  const lines: string[] = [];
  if (result.error && result.error.type !== "prompt_outputs_failed_validation") {
    lines.push(`${result.error.message}${result.error.details ? ` (${result.error.details})` : ""}`);
  }
  for (const [id, entry] of Object.entries(result.nodeErrors)) {
    for (const e of entry.errors) {
      if (e.type === "missing_node_type") continue;
      const reason = typeof e.extra_info["reason"] === "string" ? `: ${e.extra_info["reason"]}` : "";
      lines.push(`node #${id} (${entry.class_type}): ${e.message}${e.details ? ` [${e.details}]` : ""}${reason}`);
    }
  }
  if (lines.length === 0 && result.error) lines.push(result.error.message);
  return lines;
}

export interface WorkflowCheck {
  readonly ok: boolean;
  /** One line per problem, naming node id, class and input. */
  readonly problems: readonly string[];
}

const LISTED_OPTIONS = 12;

/**
 * Checks a prompt against node definitions and reports every problem at once, for people about
 * to share or run a workflow: unknown node types (a missing custom node pack), combo values the
 * server lacks (usually models), bad links, values out of range, cycles. Unlike validatePrompt,
 * every node is checked, not only those on a path to a valid output.
 */
export function validateWorkflow(prompt: ApiPrompt, objectInfo: ObjectInfo): WorkflowCheck {
  const problems: string[] = [];
  const unknownIds = new Set(Object.keys(prompt).filter((id) => !Object.hasOwn(objectInfo, prompt[id]!.class_type)));
  for (const id of unknownIds) {
    const type = prompt[id]!.class_type;
    problems.push(`node #${id} (${type}): unknown node type ${type}; it is neither on the server nor in imgdiff (missing custom node pack?)`);
  }
  const known: ApiPrompt = Object.fromEntries(Object.entries(prompt).filter(([id]) => !unknownIds.has(id)));
  if (Object.keys(known).length > 0 && !Object.values(known).some((n) => objectInfo[n.class_type]!.output_node === true)) {
    problems.push("the workflow has no output node (e.g. SaveImage or ImgDiff.DatasetWriter), so nothing would run");
  }
  // Every node counts as an output here, so that nodes off the output paths are checked too.
  const everyNode: ObjectInfo = { ...objectInfo };
  for (const node of Object.values(known)) everyNode[node.class_type] = { ...objectInfo[node.class_type]!, output_node: true };
  const result = Object.keys(known).length > 0 ? validatePrompt(known, everyNode) : undefined;
  for (const [id, entry] of Object.entries(result?.nodeErrors ?? {})) {
    for (const e of entry.errors) {
      const link = e.extra_info["link"];
      if (isLink(link) && unknownIds.has(link[0])) continue; // already reported as an unknown node
      problems.push(`node #${id} (${entry.class_type}): ${describeIssue(e)}`);
    }
  }
  return { ok: problems.length === 0, problems };
}

function describeIssue(e: ValidationIssue): string {
  if (e.type === "value_not_in_list") {
    const name = String(e.extra_info["input_name"]);
    const wire = e.extra_info["input_config"] as InputWire;
    const options = (declaredType(wire) as readonly unknown[]).map(String);
    const shown = options.slice(0, LISTED_OPTIONS).join(", ") + (options.length > LISTED_OPTIONS ? `, … and ${options.length - LISTED_OPTIONS} more` : "");
    return `${name} '${String(e.extra_info["received_value"])}' is not on the server (it has: ${shown || "nothing"})`;
  }
  const reason = typeof e.extra_info["reason"] === "string" ? `: ${e.extra_info["reason"]}` : "";
  return `${e.message}${e.details ? ` [${e.details}]` : ""}${reason}`;
}
