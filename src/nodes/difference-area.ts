import { defineNode } from "./define.js";
import { float, image, int, output } from "./inputs.js";
import { detectDifferences } from "../vision/detect.js";

export const DifferenceArea = defineNode({
  type: "ImgDiff.DifferenceArea",
  displayName: "ImgDiff Difference Area",
  category: "ImgDiff/analyse",
  description:
    "Boxes where two aligned images differ, robust to small misalignment, JPEG, blur, brightness and noise. Paper rules: NMS keeping the most different box first, boxes under min_area of the image dropped, at most max_boxes.",
  offload: true,
  inputs: {
    image_a: image(),
    image_b: image(),
    max_boxes: int({ default: 5, min: 1, max: 64, tooltip: "Keep at most this many boxes (the paper keeps 5)." }),
    min_area: float({ default: 0.0025, min: 0, max: 1, step: 0.0005, tooltip: "Drop boxes smaller than this share of the image (paper: W*H/400 = 0.0025)." }),
    nms_iou: float({ default: 0.5, min: 0, max: 1, step: 0.05, tooltip: "Boxes overlapping a more different box by more than this IoU are dropped." }),
  },
  outputs: {
    boxes: output("BOXES", "Changed regions, most different first, in pixels of image A."),
    mask: output("MASK", "Changed pixels."),
  },
  run: ({ image_a, image_b, max_boxes, min_area, nms_iou }) => {
    const result = detectDifferences(image_a, image_b, { maxBoxes: max_boxes, minAreaFraction: min_area, nmsIou: nms_iou });
    return { boxes: result.boxes, mask: result.diffMask };
  },
});
