import { ImageError } from "../errors.js";
import type { BoxCoords } from "./box.js";
import { rgbImage, type RgbImage } from "./image.js";

/**
 * The two drawing steps of Img-Diff's samples (paper §4 "Highlight"): a red rectangle around the
 * region on both images, and the two images side by side with a black bar between them.
 */

export interface RedBoxOptions {
  /** Pixels added to each side of the box before drawing (Img-Diff: 5). */
  readonly grow?: number;
  /** Outline thickness in pixels (Img-Diff: 3). */
  readonly width?: number;
}

const RED = [255, 0, 0] as const;

/**
 * A copy of `image` with a red outline around `box`. The box is grown by `grow` px on each side
 * and clamped to the image; the outline is `width` px thick and lies INSIDE that grown box (its
 * outer edge is the grown box's edge), as PIL's `rectangle(..., width=3)` draws it. So with the
 * defaults the outline is the ring 3 to 5 px outside the original box (when not clamped) and
 * never touches the pixels inside it. Fractional boxes are widened to whole pixels.
 */
export function drawRedBox(image: RgbImage, box: BoxCoords, options: RedBoxOptions = {}): RgbImage {
  const grow = options.grow ?? 5;
  const thickness = options.width ?? 3;
  if (!(Number.isInteger(grow) && grow >= 0 && Number.isInteger(thickness) && thickness >= 1)) {
    throw new RangeError(`drawRedBox: grow must be an integer >= 0 and width an integer >= 1, received grow ${grow}, width ${thickness}`);
  }
  const { width: w, height: h } = image;
  const x1 = Math.max(0, Math.floor(box[0]) - grow);
  const y1 = Math.max(0, Math.floor(box[1]) - grow);
  const x2 = Math.min(w, Math.ceil(box[2]) + grow);
  const y2 = Math.min(h, Math.ceil(box[3]) + grow);
  if (!(x2 > x1 && y2 > y1)) {
    throw new ImageError(
      "BOX_OUTSIDE_IMAGE",
      "drawRedBox",
      `box [${box.join(", ")}] grown by ${grow} px has no pixels inside the ${w}x${h} image`,
    );
  }
  const out = rgbImage(w, h, image.data.slice());
  const paint = (x: number, y: number): void => {
    const i = (y * w + x) * 3;
    out.data[i] = RED[0];
    out.data[i + 1] = RED[1];
    out.data[i + 2] = RED[2];
  };
  for (let y = y1; y < y2; y++) {
    const edgeRow = y < y1 + thickness || y >= y2 - thickness;
    for (let x = x1; x < x2; x++) {
      if (edgeRow || x < x1 + thickness || x >= x2 - thickness) paint(x, y);
    }
  }
  return out;
}

/** The pixels of `box` grown by `grow` px on each side, clamped to the image (the paper's crops). */
export function cropBox(image: RgbImage, box: BoxCoords, grow = 5): RgbImage {
  const { width: w, height: h } = image;
  const x1 = Math.max(0, Math.floor(box[0]) - grow);
  const y1 = Math.max(0, Math.floor(box[1]) - grow);
  const x2 = Math.min(w, Math.ceil(box[2]) + grow);
  const y2 = Math.min(h, Math.ceil(box[3]) + grow);
  if (!(x2 > x1 && y2 > y1)) throw new ImageError("BOX_OUTSIDE_IMAGE", "cropBox", `box [${box.join(", ")}] has no pixels inside the ${w}x${h} image`);
  const out = rgbImage(x2 - x1, y2 - y1);
  for (let y = y1; y < y2; y++) out.data.set(image.data.subarray((y * w + x1) * 3, (y * w + x2) * 3), (y - y1) * (x2 - x1) * 3);
  return out;
}

/** `left`, a black bar of `barWidth` px, then `right`: width = left + bar + right. */
export function sideBySide(left: RgbImage, right: RgbImage, barWidth = 20): RgbImage {
  if (left.height !== right.height) {
    throw new ImageError(
      "IMAGE_SIZE_MISMATCH",
      "sideBySide",
      `left and right images need the same height, received ${left.width}x${left.height} and ${right.width}x${right.height}`,
    );
  }
  if (!(Number.isInteger(barWidth) && barWidth >= 0)) {
    throw new RangeError(`sideBySide: barWidth must be an integer >= 0, received ${barWidth}`);
  }
  const width = left.width + barWidth + right.width;
  const out = rgbImage(width, left.height); // zero-filled: the bar is already black
  const rowBytes = width * 3;
  const leftBytes = left.width * 3;
  const rightBytes = right.width * 3;
  const rightStart = (left.width + barWidth) * 3;
  for (let y = 0; y < left.height; y++) {
    out.data.set(left.data.subarray(y * leftBytes, (y + 1) * leftBytes), y * rowBytes);
    out.data.set(right.data.subarray(y * rightBytes, (y + 1) * rightBytes), y * rowBytes + rightStart);
  }
  return out;
}
