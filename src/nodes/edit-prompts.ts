import { defineNode } from "./define.js";
import { output, socket } from "./inputs.js";
import { scenePrompt } from "../captions/prompt-pair.js";
import type { SceneTemplate } from "../captions/scenes.js";

export const EditPrompts = defineNode({
  type: "ImgDiff.EditPrompts",
  displayName: "ImgDiff Edit Prompts",
  category: "ImgDiff/prompts",
  description:
    "The text-to-image prompts of an edit: the scene without the object (the base image), with object X (image A) and with object Y, or the bare scene again for a removal (image B).",
  inputs: { edit: socket("IMGDIFF_EDIT") },
  outputs: {
    base_prompt: output("STRING", "The scene without the object."),
    prompt_a: output("STRING", "The scene with the source object."),
    prompt_b: output("STRING", "The scene with the target object (removal: without the object)."),
  },
  run: ({ edit }) => ({
    // A prompt without an object uses only the scene's place.
    base_prompt: scenePrompt({ place: edit.scene } as SceneTemplate, null),
    prompt_a: edit.sourcePrompt,
    prompt_b: edit.editedPrompt,
  }),
});
