import { defineNode } from "./define.js";
import { boolean, combo, int, output, socket } from "./inputs.js";
import { renderScene } from "../scene/render.js";
import { randomPerturb } from "../scene/perturb.js";
import { createRng } from "../util/rng.js";
import { SEED_LIMIT } from "../run/seed-control.js";

export const SyntheticScene = defineNode({
  type: "ImgDiff.SyntheticScene",
  displayName: "ImgDiff Synthetic Scene",
  category: "ImgDiff/generate",
  description:
    "Renders a procedural scene three times: base (no target object), A (source object) and B (target object at the same place and scale), with exact ground truth. The pair is (A, B) for replacement and (A, base) for removal. Needs no server or model.",
  offload: true,
  inputs: {
    edit: socket("IMGDIFF_EDIT"),
    seed: int({ default: 0, min: 0, max: SEED_LIMIT, control_after_generate: "randomize", tooltip: "Background, distractors and placement." }),
    size: combo(["512", "1024"], { default: "512", tooltip: "Side of the square images in pixels." }),
    distractors: int({ default: 3, min: 0, max: 12, tooltip: "Other objects drawn identically in every image." }),
    perturb: boolean({ default: true, tooltip: "Apply realistic perturbations (JPEG, blur, brightness, 1-2 px shift, noise) to the second image, as a real generator would." }),
  },
  outputs: {
    image_a: output("IMAGE", "First image of the pair (with the source object)."),
    image_b: output("IMAGE", "Second image of the pair (target object, or the scene without the object)."),
    base: output("IMAGE", "The scene without the object."),
    mask: output("MASK", "Where the object is in either image."),
    truth: output("BOXES", "Ground-truth box of the change."),
  },
  run: async ({ edit, seed, size, distractors, perturb }) => {
    const perturbation = perturb ? randomPerturb(createRng("perturb", seed)) : false;
    const scene = await renderScene({ edit, size: size === "1024" ? 1024 : 512, seed, distractors, perturb: perturbation });
    return {
      image_a: scene.a,
      image_b: edit.kind === "remove" ? scene.base : scene.b,
      base: scene.base,
      mask: scene.mask,
      truth: [{ box: scene.truth, score: 1 }],
    };
  },
});
