/** Our node pack: every node, and a registry holding them all. */
import { createRegistry, type NodeRegistry } from "./registry.js";
import { PromptPair } from "./prompt-pair.js";
import { SyntheticScene } from "./synthetic-scene.js";
import { DifferenceArea } from "./difference-area.js";
import { PairFilter } from "./pair-filter.js";
import { DifferenceCaption } from "./difference-caption.js";
import { DatasetWriter } from "./dataset-writer.js";
import { ObjectRegion } from "./object-region.js";
import { EditPrompts } from "./edit-prompts.js";
import { SampleSeed } from "./sample-seed.js";
import { LLMCaptionEdit } from "./llm-caption-edit.js";
import { VLMDifferenceCaption } from "./vlm-difference-caption.js";

export const NODES = [PromptPair, EditPrompts, SampleSeed, ObjectRegion, SyntheticScene, DifferenceArea, PairFilter, DifferenceCaption, DatasetWriter, LLMCaptionEdit, VLMDifferenceCaption] as const;

/** A new registry with all of our nodes; add your own with `register`. */
export function defaultRegistry(): NodeRegistry {
  return createRegistry(NODES);
}

export { PromptPair, EditPrompts, SampleSeed, ObjectRegion, SyntheticScene, DifferenceArea, PairFilter, DifferenceCaption, DatasetWriter, LLMCaptionEdit, VLMDifferenceCaption };
