import { defineNode } from "./define.js";
import { combo, float, int, output } from "./inputs.js";
import { mask, type Mask } from "../vision/image.js";
import type { BoxCoords } from "../vision/box.js";
import { createRng } from "../util/rng.js";
import { SEED_LIMIT } from "../run/seed-control.js";
import { ImgDiffError } from "../errors.js";

export type RegionShape = "ellipse" | "rectangle";

export interface RegionOptions {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly shape: RegionShape;
  /** Region side as a share of the image's shorter side: drawn from [minSize, maxSize]. */
  readonly minSize: number;
  readonly maxSize: number;
}

/** A region inside the image where the object is painted: its mask (white inside) and box. */
export function chooseRegion(options: RegionOptions): { mask: Mask; box: BoxCoords } {
  const { width, height, shape } = options;
  if (options.minSize > options.maxSize) {
    throw new ImgDiffError("REGION_SIZE", `min_size ${options.minSize} is larger than max_size ${options.maxSize}`);
  }
  const rng = createRng("object-region", options.seed);
  const short = Math.min(width, height);
  const side = () => Math.max(8, Math.round(short * rng.float(options.minSize, options.maxSize + Number.EPSILON)));
  const w = Math.min(width, side());
  const h = Math.min(height, side());
  const x1 = rng.int(0, width - w);
  const y1 = rng.int(0, height - h);
  const out = mask(width, height);
  const cx = x1 + w / 2;
  const cy = y1 + h / 2;
  for (let y = y1; y < y1 + h; y++) {
    for (let x = x1; x < x1 + w; x++) {
      const inside = shape === "rectangle" || ((x + 0.5 - cx) / (w / 2)) ** 2 + ((y + 0.5 - cy) / (h / 2)) ** 2 <= 1;
      if (inside) out.data[y * width + x] = 255;
    }
  }
  return { mask: out, box: [x1, y1, x1 + w, y1 + h] };
}

export const ObjectRegion = defineNode({
  type: "ImgDiff.ObjectRegion",
  displayName: "ImgDiff Object Region",
  category: "ImgDiff/generate",
  description:
    "Chooses where the object goes: a region of the image (ellipse or rectangle) as a mask, white inside, for the inpainting nodes (InpaintModelConditioning, ImageCompositeMasked), and its box. Also gives the image size, so that it is set in one place.",
  inputs: {
    seed: int({ default: 0, min: 0, max: SEED_LIMIT, control_after_generate: "randomize", tooltip: "Place and size of the region." }),
    width: int({ default: 1024, min: 64, max: 8192, step: 8, tooltip: "Width of the image the mask is for." }),
    height: int({ default: 1024, min: 64, max: 8192, step: 8, tooltip: "Height of the image the mask is for." }),
    shape: combo(["ellipse", "rectangle"], { default: "ellipse" }),
    min_size: float({ default: 0.25, min: 0.02, max: 1, step: 0.01, tooltip: "Smallest region side, as a share of the image's shorter side." }),
    max_size: float({ default: 0.45, min: 0.02, max: 1, step: 0.01, tooltip: "Largest region side, as a share of the image's shorter side." }),
  },
  outputs: {
    mask: output("MASK", "The region: white (1) where the object is painted."),
    box: output("BOXES", "The region's bounding box."),
    width: output("INT", "The image width, for the node that makes the image (EmptyLatentImage)."),
    height: output("INT", "The image height."),
  },
  run: ({ seed, width, height, shape, min_size, max_size }) => {
    const region = chooseRegion({ seed, width, height, shape, minSize: min_size, maxSize: max_size });
    return { mask: region.mask, box: [{ box: region.box, score: 1 }], width, height };
  },
});
