/** Our node pack: every node, and a registry holding them all. */
import { createRegistry, type NodeRegistry } from "./registry.js";
import { PromptPair } from "./prompt-pair.js";
import { SyntheticScene } from "./synthetic-scene.js";
import { DifferenceArea } from "./difference-area.js";
import { PairFilter } from "./pair-filter.js";
import { DifferenceCaption } from "./difference-caption.js";
import { DatasetWriter } from "./dataset-writer.js";

export const NODES = [PromptPair, SyntheticScene, DifferenceArea, PairFilter, DifferenceCaption, DatasetWriter] as const;

/** A new registry with all of our nodes; add your own with `register`. */
export function defaultRegistry(): NodeRegistry {
  return createRegistry(NODES);
}

export { PromptPair, SyntheticScene, DifferenceArea, PairFilter, DifferenceCaption, DatasetWriter };
