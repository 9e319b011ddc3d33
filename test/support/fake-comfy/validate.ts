/**
 * POST /prompt validation with ComfyUI 0.3.64's own rules (execution.py validate_prompt /
 * validate_inputs), producing its exact 400/200 bodies.
 *
 * The project's src/graph/validate.ts is deliberately stricter than 0.3.64 (it refuses "false"
 * for BOOLEAN, constants on socket inputs, bad V3 combo values, cycles, and reports every
 * unknown node), so a faithful fake server cannot use it as is; this module reuses its link rule
 * and wire types and reproduces the server, quirks included: the first unknown node aborts,
 * "COMBO"-typed values are not checked, the memo of validated nodes is shared across outputs,
 * exceptions become exception_during_(inner_)validation with a traceback.
 */
import type { InputWire, NodeDefWire } from "../../../src/graph/object-info.js";
import { INDEX_ERROR_FRAME, INNER_VALIDATE_FRAME, KEY_ERROR_FRAME, PyError, VALIDATE_PROMPT_FRAME } from "./pyerror.js";
import { pyFloat, pyRepr, pyStr } from "./py.js";

export interface Issue {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

export interface NodeError {
  errors: Issue[];
  dependent_outputs: string[];
  class_type: string;
}

export type PromptNode = { class_type: string; inputs: Record<string, unknown>; [key: string]: unknown };
export type Prompt = Record<string, PromptNode>;

/** A node's VALIDATE_INPUTS: the inputs it takes and its verdict (true, or a message). */
export interface CustomValidator {
  readonly inputs: readonly string[];
  validate(values: Record<string, unknown>): true | string;
}

export interface ValidationOutcome {
  readonly ok: boolean;
  readonly error?: Issue;
  readonly nodeErrors: Record<string, NodeError>;
  readonly outputs: string[];
  /** The prompt with validated constants coerced in place, as the server queues it. */
  readonly prompt: Prompt;
  /** "<node>\u0000<input>" of the values coerced to Python floats. */
  readonly floats: ReadonlySet<string>;
}

const issue = (type: string, message: string, details: string, extra_info: Record<string, unknown> = {}): Issue => ({ type, message, details, extra_info });

const pyTypeName = (v: unknown): string =>
  v === null ? "NoneType" : typeof v === "object" ? (Array.isArray(v) ? "list" : "dict") : typeof v === "string" ? "str" : typeof v === "boolean" ? "bool" : Number.isInteger(v) ? "int" : "float";

const INT_TEXT = /^\s*[+-]?\d+(_\d+)*\s*$/;
const FLOAT_TEXT = /^\s*[+-]?((\d+(_\d+)*)?\.?\d*(_\d+)*([eE][+-]?\d+)?|inf(inity)?|nan)\s*$/i;

/** Python's int() / float() / str() / bool() on a JSON value. */
function coerce(value: unknown, type: string): unknown {
  switch (type) {
    case "INT":
      if (typeof value === "number") return Math.trunc(value);
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "string") {
        if (INT_TEXT.test(value)) return Number.parseInt(value.replaceAll("_", ""), 10);
        throw new PyError("ValueError", `invalid literal for int() with base 10: ${pyRepr(value)}`);
      }
      throw new PyError("TypeError", `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`);
    case "FLOAT":
      if (typeof value === "number") return value;
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "string") {
        const text = value.trim().replaceAll("_", "");
        if (FLOAT_TEXT.test(value) && /\d|inf|nan/i.test(text)) {
          const lower = text.toLowerCase().replace(/^[+]/, "");
          if (lower.endsWith("inf") || lower.endsWith("infinity")) return lower.startsWith("-") ? -Infinity : Infinity;
          if (lower.endsWith("nan")) return Number.NaN;
          const n = Number(text);
          if (Number.isFinite(n)) return n;
        }
        throw new PyError("ValueError", `could not convert string to float: ${pyRepr(value)}`);
      }
      throw new PyError("TypeError", `float() argument must be a string or a real number, not '${pyTypeName(value)}'`);
    case "STRING":
      return typeof value === "string" ? value : pyStr(value);
    case "BOOLEAN":
      if (typeof value === "string") return value.length > 0;
      if (value !== null && typeof value === "object") return Object.keys(value).length > 0;
      return Boolean(value);
    default:
      return value;
  }
}

/** execution.validate_node_input (non-strict). */
function typesMatch(received: unknown, expected: unknown): boolean {
  if (JSON.stringify(received) === JSON.stringify(expected)) return true;
  if (typeof received !== "string" || typeof expected !== "string") return false;
  const a = new Set(received.split(",").map((t) => t.trim()));
  return expected.split(",").some((t) => a.has(t.trim()));
}

/** Python prints an int as-is, a float with a decimal point. */
const num = (v: unknown, type: unknown): string => (typeof v === "number" && type === "FLOAT" ? pyFloat(v) : pyStr(v));

export function validateServerPrompt(
  rawPrompt: Record<string, unknown>,
  objectInfo: Record<string, NodeDefWire>,
  targets: unknown,
  custom: Readonly<Record<string, CustomValidator>>,
): ValidationOutcome {
  const prompt = structuredClone(rawPrompt) as Prompt;
  const floats = new Set<string>();
  const fail = (error: Issue): ValidationOutcome => ({ ok: false, error, nodeErrors: {}, outputs: [], prompt, floats });

  const outputs: string[] = [];
  for (const [id, node] of Object.entries(prompt)) {
    if (node === null || typeof node !== "object" || !("class_type" in node)) {
      return fail(issue("invalid_prompt", "Cannot execute because a node is missing the class_type property.", `Node ID '#${id}'`));
    }
    const def = objectInfo[String(node.class_type)];
    if (!def) return fail(issue("invalid_prompt", `Cannot execute because node ${pyStr(node.class_type)} does not exist.`, `Node ID '#${id}'`));
    const targeted = targets === undefined || targets === null || (Array.isArray(targets) ? targets.includes(id) : String(targets).includes(id));
    if (def.output_node === true && targeted) outputs.push(id);
  }
  if (outputs.length === 0) return fail(issue("prompt_no_outputs", "Prompt has no outputs", ""));

  type Verdict = [valid: boolean, errors: Issue[]];
  const validated = new Map<string, Verdict>();

  /** Throws PyError like the Python function; `depth` counts the recursive calls for tracebacks. */
  const validateInputs = (id: string, depth: number): Verdict => {
    const memo = validated.get(id);
    if (memo) return memo;
    const node = prompt[id]!;
    if (node.inputs === null || typeof node.inputs !== "object") throw new PyError("KeyError", "'inputs'", [KEY_ERROR_FRAME]);
    const inputs = node.inputs;
    const def = objectInfo[node.class_type]!;
    const validator = custom[node.class_type];
    const errors: Issue[] = [];
    let valid = true;
    const declared: Array<[string, InputWire, boolean]> = [
      ...Object.entries(def.input.required ?? {}).map(([n, w]): [string, InputWire, boolean] => [n, w, true]),
      ...Object.entries(def.input.optional ?? {}).map(([n, w]): [string, InputWire, boolean] => [n, w, false]),
    ];
    for (const [x, wire, required] of declared) {
      const inputType = wire[0];
      const extra = (wire[1] ?? {}) as Record<string, unknown>;
      if (!Object.hasOwn(inputs, x)) {
        if (required) errors.push(issue("required_input_missing", "Required input is missing", x, { input_name: x }));
        continue;
      }
      let val = inputs[x];
      const info = [inputType, extra];
      if (Array.isArray(val)) {
        if (val.length !== 2) {
          errors.push(issue("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", x, { input_name: x, input_config: info, received_value: val }));
          continue;
        }
        const [from, slot] = val as [unknown, unknown];
        if (typeof from !== "string" || !Object.hasOwn(prompt, from)) throw new PyError("KeyError", pyRepr(from), [KEY_ERROR_FRAME]);
        const returns = objectInfo[prompt[from]!.class_type]!.output;
        if (typeof slot !== "number" || !Number.isInteger(slot)) throw new PyError("TypeError", `tuple indices must be integers or slices, not ${pyTypeName(slot)}`, [INDEX_ERROR_FRAME]);
        const index = slot < 0 ? returns.length + slot : slot;
        if (index < 0 || index >= returns.length) throw new PyError("IndexError", "tuple index out of range", [INDEX_ERROR_FRAME]);
        const received = returns[index];
        if (!typesMatch(received, inputType)) {
          errors.push(issue("return_type_mismatch", "Return type mismatch between linked nodes", `${x}, received_type(${pyStr(received)}) mismatch input_type(${pyStr(inputType)})`, { input_name: x, input_config: info, received_type: received, linked_node: val }));
          continue;
        }
        try {
          if (!validateInputs(from, depth + 1)[0]) valid = false;
        } catch (ex) {
          if (!(ex instanceof PyError)) throw ex;
          valid = false;
          const frames = [INNER_VALIDATE_FRAME, ...ex.frames];
          validated.set(from, [false, [issue("exception_during_inner_validation", "Exception when validating inner node", ex.message, { input_name: x, input_config: info, exception_message: ex.message, exception_type: ex.pyType, traceback: frames, linked_node: val })]]);
        }
        continue;
      }
      try {
        if (val !== null && typeof val === "object" && "__value__" in val) {
          val = (val as { __value__: unknown }).__value__;
          inputs[x] = val;
        }
        if (typeof inputType === "string" && ["INT", "FLOAT", "STRING", "BOOLEAN"].includes(inputType)) {
          val = coerce(val, inputType);
          inputs[x] = val;
          if (inputType === "FLOAT") floats.add(`${id}\u0000${x}`);
        }
      } catch (ex) {
        if (!(ex instanceof PyError)) throw ex;
        errors.push(issue("invalid_input_type", `Failed to convert an input value to a ${pyStr(inputType)} value`, `${x}, ${pyStr(val)}, ${ex.message}`, { input_name: x, input_config: info, received_value: val, exception_message: ex.message }));
        continue;
      }
      if (validator?.inputs.includes(x)) continue;
      if (typeof val === "number" && typeof extra["min"] === "number" && val < extra["min"]) {
        errors.push(issue("value_smaller_than_min", `Value ${num(val, inputType)} smaller than min of ${num(extra["min"], inputType)}`, x, { input_name: x, input_config: info, received_value: val }));
        continue;
      }
      if (typeof val === "number" && typeof extra["max"] === "number" && val > extra["max"]) {
        errors.push(issue("value_bigger_than_max", `Value ${num(val, inputType)} bigger than max of ${num(extra["max"], inputType)}`, x, { input_name: x, input_config: info, received_value: val }));
        continue;
      }
      if (Array.isArray(inputType) && !inputType.includes(val)) {
        const long = inputType.length > 20;
        const list = long ? `(list of length ${inputType.length})` : pyRepr(inputType);
        errors.push(issue("value_not_in_list", "Value not in list", `${x}: '${pyStr(val)}' not in ${list}`, { input_name: x, input_config: long ? null : info, received_value: val }));
        continue;
      }
    }
    if (validator) {
      const values = Object.fromEntries(validator.inputs.filter((x) => Object.hasOwn(inputs, x)).map((x) => [x, Array.isArray(inputs[x]) ? null : inputs[x]]));
      const verdict = validator.validate(values);
      if (verdict !== true) {
        for (const x of Object.keys(values)) errors.push(issue("custom_validation_failed", "Custom validation failed for node", `${x} - ${verdict}`, { input_name: x }));
      }
    }
    const verdict: Verdict = errors.length > 0 || !valid ? [false, errors] : [true, []];
    validated.set(id, verdict);
    return verdict;
  };

  const good: string[] = [];
  const failed: Issue[][] = [];
  const nodeErrors: Record<string, NodeError> = {};
  for (const o of outputs) {
    let verdict: Verdict;
    try {
      verdict = validateInputs(o, 0);
    } catch (ex) {
      if (!(ex instanceof PyError)) throw ex;
      verdict = [false, [issue("exception_during_validation", "Exception when validating node", ex.message, { exception_type: ex.pyType, traceback: [VALIDATE_PROMPT_FRAME, ...ex.frames] })]];
      validated.set(o, verdict);
    }
    if (verdict[0]) {
      good.push(o);
      continue;
    }
    failed.push(verdict[1]);
    for (const [id, [ok, reasons]] of validated) {
      if (ok || reasons.length === 0) continue;
      nodeErrors[id] ??= { errors: reasons, dependent_outputs: [], class_type: prompt[id]!.class_type };
      nodeErrors[id].dependent_outputs.push(o);
    }
  }
  if (good.length === 0) {
    const details = failed.flat().map((e) => `${e.message}: ${e.details}`).join("\n");
    return { ok: false, error: issue("prompt_outputs_failed_validation", "Prompt outputs failed validation", details), nodeErrors, outputs: [], prompt, floats };
  }
  return { ok: true, nodeErrors, outputs: good, prompt, floats };
}
