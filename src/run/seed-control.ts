/**
 * Per-sample values of seed widgets, as ComfyUI's control_after_generate would give them over a
 * queue of N runs: `fixed` keeps the value, `increment`/`decrement` move it by the sample index,
 * `randomize` draws a value from (run seed, node, input, widget value, sample index), so a run is
 * reproducible and two samples never share a seed by accident. Values wrap inside [min, max].
 */
import type { SeedControl } from "../nodes/inputs.js";
import { hashSeed } from "../util/rng.js";

/** Seeds stay at or below 2^50, as the editor's own randomiser does (JS numbers are exact to 2^53). */
export const SEED_LIMIT = 2 ** 50;

export interface SeedWidget {
  readonly nodeId: string;
  readonly input: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
  readonly mode: SeedControl;
}

export function seedForSample(widget: SeedWidget, sampleIndex: number, runSeed: number): number {
  const min = Math.max(widget.min, -SEED_LIMIT);
  const max = Math.min(widget.max, SEED_LIMIT);
  const span = max - min + 1;
  const wrap = (v: number) => min + ((((v - min) % span) + span) % span);
  switch (widget.mode) {
    case "fixed":
      return widget.value;
    case "increment":
      return wrap(widget.value + sampleIndex);
    case "decrement":
      return wrap(widget.value - sampleIndex);
    case "randomize": {
      const hi = hashSeed(runSeed, widget.nodeId, widget.input, widget.value, sampleIndex, "hi") % 2 ** 18;
      const lo = hashSeed(runSeed, widget.nodeId, widget.input, widget.value, sampleIndex, "lo");
      return min + ((hi * 2 ** 32 + lo) % span);
    }
  }
}

/** The mode a widget declared in object_info starts in: `true` is the editor's default, randomize. */
export function declaredMode(option: unknown): SeedControl | undefined {
  if (option === true) return "randomize";
  if (option === "fixed" || option === "increment" || option === "decrement" || option === "randomize") return option;
  return undefined;
}
