import { defineNode } from "./define.js";
import { combo, int, output } from "./inputs.js";
import { CATEGORIES } from "../captions/lexicon.js";
import { choosePromptPair } from "../captions/prompt-pair.js";
import { createRng } from "../util/rng.js";
import { SEED_LIMIT } from "../run/seed-control.js";

export const PromptPair = defineNode({
  type: "ImgDiff.PromptPair",
  displayName: "ImgDiff Prompt Pair",
  category: "ImgDiff/prompts",
  description:
    "Chooses what changes between the two images: an object from the lexicon and, for replacement, another object of the same category (the paper's lexicon variant), with a scene and text-to-image prompts for both images.",
  inputs: {
    seed: int({ default: 0, min: 0, max: SEED_LIMIT, control_after_generate: "randomize", tooltip: "Picks the objects and the scene." }),
    edit: combo(["replace", "remove"], { default: "replace", tooltip: "replace: object X becomes object Y; remove: object X disappears." }),
    category: combo(["any", ...CATEGORIES], { default: "any", tooltip: "Lexicon category of the objects, or any." }),
  },
  outputs: {
    edit: output("IMGDIFF_EDIT", "The edit: kind, category, source and target objects, scene."),
    source_prompt: output("STRING", "Prompt of image A (with the source object)."),
    edited_prompt: output("STRING", "Prompt of image B (target object, or the scene without the object)."),
    scene: output("STRING", "The scene without the object."),
  },
  run: ({ seed, edit, category }) => {
    const chosen = choosePromptPair({ rng: createRng("prompt-pair", seed), kind: edit, category });
    return { edit: chosen, source_prompt: chosen.sourcePrompt, edited_prompt: chosen.editedPrompt, scene: chosen.scene };
  },
});
