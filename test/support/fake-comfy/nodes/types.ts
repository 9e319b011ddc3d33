/** How the fake server's node implementations plug into its executor. */
import type { Folders } from "../folders.js";
import type { Tensor } from "../tensors.js";
import type { Prompt } from "../validate.js";

export interface NodeContext {
  readonly promptId: string;
  readonly nodeId: string;
  readonly folders: Folders;
  /** The executed prompt as SaveImage embeds it (LoadImage nodes carry `is_changed`). */
  readonly pngPrompt: Prompt;
  /** "<node>\u0000<input>" of inputs that are Python floats (written as 1.0 in the PNG). */
  readonly floats: ReadonlySet<string>;
  readonly extraPnginfo: unknown;
  /**
   * One sampler step: progress_state, an optional preview frame, progress; then waits its share
   * of executionMs. Throws when the prompt was interrupted (sampling is interruptible per step).
   */
  step(value: number, max: number, preview?: () => Tensor): Promise<void>;
  /** PreviewImage's random "_temp_xxxxx" prefix, stable per node id for the server's life. */
  previewPrefix(): string;
}

export interface NodeResult {
  readonly outputs: readonly unknown[];
  readonly ui?: Record<string, unknown>;
}

export interface NodeImpl {
  run(inputs: Record<string, unknown>, ctx: NodeContext): Promise<NodeResult> | NodeResult;
  /** Frames a failure inside the node shows after the executor's own (Python traceback). */
  readonly frames: readonly string[];
  /** IS_CHANGED: joins the cache key and the PNG prompt (LoadImage hashes its file). */
  isChanged?(inputs: Record<string, unknown>, folders: Folders): string | undefined;
}
