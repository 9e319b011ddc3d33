import { defineNode } from "./define.js";
import { boxes, image, int, output, socket } from "./inputs.js";
import { captionPair } from "../captions/template-captioner.js";
import { createRng } from "../util/rng.js";
import { SEED_LIMIT } from "../run/seed-control.js";

export const DifferenceCaption = defineNode({
  type: "ImgDiff.DifferenceCaption",
  displayName: "ImgDiff Difference Caption",
  category: "ImgDiff/caption",
  description:
    "Offline captions from the known edit: for each box, what the left and the right image show there (region captions) and a difference caption naming the objects, their category, position and size. Several phrasings, chosen by seed. Needs no model.",
  inputs: {
    edit: socket("IMGDIFF_EDIT"),
    boxes: boxes(),
    image_a: image({ tooltip: "Gives the image size for position and size words." }),
    seed: int({ default: 0, min: 0, max: SEED_LIMIT, control_after_generate: "randomize", tooltip: "Chooses the phrasings." }),
  },
  outputs: {
    captions: output("IMGDIFF_CAPTIONS", "Region and difference captions, one entry per box."),
    difference: output("STRING", "The difference caption of the first box."),
  },
  run: ({ edit, boxes: found, image_a, seed }) => {
    const captions = captionPair({
      edit,
      boxes: found.map((b) => b.box),
      width: image_a.width,
      height: image_a.height,
      rng: createRng("caption", seed),
    });
    return { captions, difference: captions.regions[0]?.difference ?? "" };
  },
});
