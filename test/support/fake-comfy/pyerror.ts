/**
 * Python exceptions as the server reports them: a type name, str(ex), and traceback frames in
 * Python's `traceback.format_tb` layout. Frames name the 0.3.64 source lines the recorded
 * answers show (paths rewritten to /opt/ComfyUI as in the recordings).
 */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
    readonly frames: readonly string[] = [],
  ) {
    super(message);
  }
}

export function frame(file: string, line: number, func: string, code: string, marker = ""): string {
  return `  File "/opt/ComfyUI/${file}", line ${line}, in ${func}\n    ${code}\n${marker ? `${marker}\n` : ""}`;
}

const caret = (indent: number, width: number, under = "^") => " ".repeat(indent) + under.repeat(width);

export const VALIDATE_PROMPT_FRAME = frame("execution.py", 1010, "validate_prompt", "m = await validate_inputs(prompt_id, prompt, o, validated)", caret(8, 54));
export const INNER_VALIDATE_FRAME = frame("execution.py", 808, "validate_inputs", "r = await validate_inputs(prompt_id, prompt, o_id, validated)", caret(8, 57));
export const KEY_ERROR_FRAME = frame("execution.py", 788, "validate_inputs", "o_class_type = prompt[o_id]['class_type']", `${caret(19, 6, "~")}${caret(0, 6)}`);
export const INDEX_ERROR_FRAME = frame("execution.py", 790, "validate_inputs", "received_type = r[val[1]]", `${caret(20, 1, "~")}${caret(0, 8)}`);

/** The frames of an exception raised inside a node's function during execution. */
export function executionFrames(nodeFrames: readonly string[]): string[] {
  return [
    frame("execution.py", 496, "execute", "output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, hidden_inputs=hidden_inputs)", caret(62, 163)),
    frame("execution.py", 315, "get_output_data", "return_values = await _async_map_node_over_list(prompt_id, unique_id, obj, input_data_all, obj.FUNCTION, allow_interrupt=True, execution_block_cb=execution_block_cb, pre_execute_cb=pre_execute_cb, hidden_inputs=hidden_inputs)", caret(20, 209)),
    frame("execution.py", 289, "_async_map_node_over_list", "await process_inputs(input_dict, i)"),
    frame("execution.py", 277, "process_inputs", "result = f(**inputs)", caret(13, 11)),
    ...nodeFrames,
  ];
}

/** The two frames V3 (comfy_api) nodes add between the executor and their `execute`. */
export const V3_FRAMES = [
  frame("comfy_api/internal/__init__.py", 149, "wrapped_func", "return method(locked_class, **inputs)", caret(11, 30)),
  frame("comfy_api/latest/_io.py", 1270, "EXECUTE_NORMALIZED", "to_return = cls.execute(*args, **kwargs)", caret(16, 28)),
];
