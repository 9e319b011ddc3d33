import { defineNode } from "./define.js";
import { int, output } from "./inputs.js";
import { SEED_LIMIT } from "../run/seed-control.js";

export const SampleSeed = defineNode({
  type: "ImgDiff.Seed",
  displayName: "ImgDiff Seed",
  category: "ImgDiff/generate",
  description:
    "One seed for several nodes, changing per sample by its control mode: link it to both inpainting KSamplers so images A and B are sampled with the same noise.",
  inputs: {
    seed: int({ default: 0, min: 0, max: SEED_LIMIT, control_after_generate: "randomize" }),
  },
  outputs: { seed: output("INT") },
  run: ({ seed }) => ({ seed }),
});
