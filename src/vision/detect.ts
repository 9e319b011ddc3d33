/**
 * Difference-area detection: boxes where two nearly identical images differ.
 *
 * Everything runs on a small working raster (long side `workSize`, 256 by default: one work
 * pixel is a 4×4 block at 1024²), which averages away noise and JPEG blocks and turns a 1-2 px
 * misalignment into a fraction of a pixel:
 *   1. estimate the global sub-pixel translation of B (on luma) and resample B to undo it,
 *   2. tone-match the pair (per-channel gain and offset fitted by trimmed least squares on the
 *      aligned pixels, applied to whichever image it expands, so clipped highlights match),
 *   3. shift-tolerant ΔE: CIELAB distance from each pixel to the nearest colour of the other
 *      image's local per-channel sRGB range, both ways (envelope.ts),
 *   4. Gaussian blur of the ΔE map,
 *   5. threshold T = max(absThreshold, median + madK·1.4826·MAD): a noise floor measured on the
 *      pair itself, so a noisier pair needs a stronger change,
 *   6. zero the outer `border` pixels, close the mask, 8-connected components,
 *   7. hysteresis: a component survives only if its peak reaches max(seedThreshold, seedFactor·T)
 *      and its excess mass Σ(score − T) is at least minExcessMass of the frame;
 *      its box is tightened to the pixels whose unblurred ΔE passes max(T, tightenFraction·peak),
 *   8. merge components whose boxes are within `mergeGap` work pixels,
 *   9. back to full-resolution pixels of A; drop boxes smaller than minAreaFraction·W·H (Img-Diff
 *      drops boxes under W·H/400), NMS at `nmsIou` keeping the most different first, keep the
 *      top `maxBoxes` (Img-Diff keeps 5).
 * A box's score is the mean blurred ΔE over its changed pixels: a colour difference comparable
 * across boxes and pairs.
 */
import { ImageError } from "../errors.js";
import { boxArea, type BoxCoords, type ScoredBox } from "./box.js";
import { connectedComponents, type Component } from "./components.js";
import { decodeForDetection, workDimensions, DEFAULT_MAX_PIXELS } from "./decode.js";
import { downsampleRgb } from "./downsample.js";
import { shiftTolerantDifference } from "./envelope.js";
import { gaussianBlur } from "./blur.js";
import { mask as makeMask, type Mask, type RgbImage } from "./image.js";
import { closeMask } from "./morphology.js";
import { nonMaxSuppression } from "./nms.js";
import { matchTones } from "./photometric.js";
import { medianAndMad } from "./robust.js";
import { luma, shiftPlanes, toPlanes } from "./planes.js";
import { estimateShift } from "./shift.js";

export interface DetectOptions {
  /** At most this many boxes, most different first (Img-Diff: 5). */
  readonly maxBoxes: number;
  /** Boxes with area below this share of W·H are dropped (Img-Diff: 1/400). */
  readonly minAreaFraction: number;
  /** NMS drops a box whose IoU with a kept, more different box exceeds this (Img-Diff: 0.5). */
  readonly nmsIou: number;
  /** Long side of the working raster, in pixels. */
  readonly workSize: number;
  /** Largest global translation searched for, in work pixels (±). 0 disables alignment. */
  readonly alignRadius: number;
  /** Residual misalignment tolerated per pixel, in work pixels (envelope window radius). */
  readonly shiftTolerance: number;
  /** Gaussian sigma applied to the ΔE map, in work pixels. */
  readonly blurSigma: number;
  /** Lowest ΔE threshold, whatever the noise floor. */
  readonly absThreshold: number;
  /** Threshold = max(absThreshold, median + madK·1.4826·MAD) of the blurred ΔE map. */
  readonly madK: number;
  /** A component must peak at ΔE ≥ max(seedThreshold, seedFactor·threshold) to be reported. */
  readonly seedThreshold: number;
  readonly seedFactor: number;
  /**
   * ...and carry enough evidence: Σ(score − threshold) over its pixels, divided by the number of
   * work pixels, at least this. 0.016 means a box of the minimum area (1/400 of the frame) needs a
   * mean excess of 6.4 ΔE; a larger region needs proportionally less. Artefacts of JPEG, blur,
   * clipping and noise are small and weak; real changes are either strong or large.
   */
  readonly minExcessMass: number;
  /** Work pixels at the frame's edge ignored (resampling and shift artefacts live there). */
  readonly border: number;
  /** Closing radius of the change mask, in work pixels. */
  readonly closeRadius: number;
  /** Components whose boxes are at most this many work pixels apart become one box. */
  readonly mergeGap: number;
  /**
   * A box is tightened to the pixels whose unblurred ΔE passes max(threshold, tightenFraction ×
   * the component's peak): JPEG ringing and blur halos around a strong change are a fraction of it.
   */
  readonly tightenFraction: number;
}

export const DEFAULT_DETECT_OPTIONS: DetectOptions = Object.freeze({
  maxBoxes: 5,
  minAreaFraction: 1 / 400,
  nmsIou: 0.5,
  workSize: 256,
  alignRadius: 1,
  shiftTolerance: 1,
  blurSigma: 1,
  absThreshold: 4,
  madK: 6,
  seedThreshold: 8,
  seedFactor: 2,
  minExcessMass: 0.016,
  border: 1,
  closeRadius: 1,
  mergeGap: 2,
  tightenFraction: 0.2,
});

export interface DetectionResult {
  /** Size of image A, the frame of `boxes`. */
  readonly width: number;
  readonly height: number;
  /** Integer pixel boxes of image A (x2/y2 exclusive), most different first. */
  readonly boxes: ScoredBox[];
  /** Share of the frame covered by changed pixels inside the reported boxes, 0..1. */
  readonly changedFraction: number;
  /**
   * Changed pixels inside the reported boxes, at the WORKING size (diffMask.width x
   * diffMask.height, smaller than width x height for large images): scale by
   * width / diffMask.width to reach image A's pixels.
   */
  readonly diffMask: Mask;
}

export interface EncodedDetectOptions extends Partial<DetectOptions> {
  /** Names of the two inputs for error messages. */
  readonly sourceA: string;
  readonly sourceB: string;
  /** Decoded-pixel limit per image; default 64 megapixels. */
  readonly maxPixels?: number;
}

export function detectDifferences(a: RgbImage, b: RgbImage, options?: Partial<DetectOptions>): DetectionResult {
  const settings = resolveOptions(options);
  assertSameSize(a.width, a.height, b.width, b.height, "image A", "image B");
  const { factor } = workDimensions(a.width, a.height, settings.workSize);
  // Block averaging drops the last partial block, so a work pixel is exactly `factor` pixels.
  return detectOnWorkRasters(downsampleRgb(a, factor), downsampleRgb(b, factor), a.width, a.height, factor, factor, settings);
}

/** Decode both inputs at working size (in parallel) and detect; boxes are in A's full-size pixels. */
export async function detectEncoded(
  bytesA: Uint8Array,
  bytesB: Uint8Array,
  options: EncodedDetectOptions,
): Promise<DetectionResult> {
  const settings = resolveOptions(options);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const [a, b] = await Promise.all([
    decodeForDetection(bytesA, { source: options.sourceA, workSize: settings.workSize, maxPixels }),
    decodeForDetection(bytesB, { source: options.sourceB, workSize: settings.workSize, maxPixels }),
  ]);
  assertSameSize(a.width, a.height, b.width, b.height, options.sourceA, options.sourceB);
  // libvips resampled the whole frame onto the working raster.
  return detectOnWorkRasters(a.image, b.image, a.width, a.height, a.width / a.image.width, a.height / a.image.height, settings);
}

function resolveOptions(options: Partial<DetectOptions> | undefined): DetectOptions {
  const settings = { ...DEFAULT_DETECT_OPTIONS };
  for (const key of Object.keys(DEFAULT_DETECT_OPTIONS) as (keyof DetectOptions)[]) {
    const value = options?.[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`detect option ${key} must be a finite number >= 0, received ${value}`);
    }
    settings[key] = value;
  }
  if (settings.workSize < 8) throw new RangeError(`detect option workSize must be >= 8, received ${settings.workSize}`);
  return settings;
}

function assertSameSize(wa: number, ha: number, wb: number, hb: number, sourceA: string, sourceB: string): void {
  if (wa !== wb || ha !== hb) {
    throw new ImageError(
      "IMAGE_SIZE_MISMATCH",
      sourceB,
      `is ${wb}x${hb} but ${sourceA} is ${wa}x${ha}; the two images of a pair must have the same size`,
    );
  }
}

function detectOnWorkRasters(
  a: RgbImage,
  b: RgbImage,
  fullWidth: number,
  fullHeight: number,
  scaleX: number,
  scaleY: number,
  o: DetectOptions,
): DetectionResult {
  const { width, height } = a;
  const planesA = toPlanes(a);
  const planesB = toPlanes(b);
  const { dx, dy } = estimateShift(luma(planesA), luma(planesB), width, height, Math.round(o.alignRadius));
  const toned = matchTones(planesA, shiftPlanes(planesB, dx, dy));
  const difference = shiftTolerantDifference(toned.a, toned.b, Math.round(o.shiftTolerance));
  const score = gaussianBlur(difference, width, height, o.blurSigma);
  const { median, mad } = medianAndMad(score);
  const threshold = Math.max(o.absThreshold, median + o.madK * 1.4826 * mad);

  const border = Math.round(o.border);
  let changed: Uint8Array = new Uint8Array(width * height);
  for (let y = border; y < height - border; y++) {
    for (let x = border; x < width - border; x++) {
      const p = y * width + x;
      if (score[p]! > threshold) changed[p] = 255;
    }
  }
  changed = closeMask(changed, width, height, Math.round(o.closeRadius));

  const seed = Math.max(o.seedThreshold, o.seedFactor * threshold);
  const strong = connectedComponents(changed, width, height, score)
    .filter((c) => c.peak >= seed && (c.scoreSum - threshold * c.area) / (width * height) >= o.minExcessMass)
    .map((c) => ({ ...c, box: tighten(c.box, changed, difference, Math.max(threshold, o.tightenFraction * c.peak), width) }));
  const merged = mergeNearby(strong, o.mergeGap);

  const minArea = o.minAreaFraction * fullWidth * fullHeight;
  const candidates: { scored: ScoredBox; work: BoxCoords }[] = [];
  for (const c of merged) {
    const work = reachEdges(c.box, width, height, border);
    const box: BoxCoords = [
      Math.max(0, Math.floor(work[0] * scaleX)),
      Math.max(0, Math.floor(work[1] * scaleY)),
      work[2] >= width ? fullWidth : Math.min(fullWidth, Math.ceil(work[2] * scaleX)),
      work[3] >= height ? fullHeight : Math.min(fullHeight, Math.ceil(work[3] * scaleY)),
    ];
    if (boxArea(box) < minArea) continue;
    candidates.push({ scored: { box, score: c.scoreSum / c.area }, work: c.box });
  }
  const kept = nonMaxSuppression(
    candidates.map((c) => c.scored),
    o.nmsIou,
  ).slice(0, Math.round(o.maxBoxes));

  const diffMask = makeMask(width, height);
  let count = 0;
  for (const k of kept) {
    const [x1, y1, x2, y2] = candidates.find((c) => c.scored === k)!.work;
    for (let y = y1; y < y2; y++) {
      for (let x = x1; x < x2; x++) {
        const p = y * width + x;
        if (changed[p] !== 0 && diffMask.data[p] === 0) {
          diffMask.data[p] = 255;
          count++;
        }
      }
    }
  }
  return { width: fullWidth, height: fullHeight, boxes: kept, changedFraction: count / (width * height), diffMask };
}

/**
 * The blur that makes detection robust also spreads a strong change a pixel or two beyond the
 * object, and JPEG rings around it up to a block away; both cost small boxes much of their IoU.
 * The box is shrunk to the mask pixels whose UNBLURRED difference passes `level`; if none do,
 * the box stays as it is.
 */
function tighten(box: BoxCoords, changed: Uint8Array, difference: Float32Array, level: number, width: number): BoxCoords {
  let [x1, y1, x2, y2] = [box[2], box[3], box[0], box[1]];
  for (let y = box[1]; y < box[3]; y++) {
    for (let x = box[0]; x < box[2]; x++) {
      const p = y * width + x;
      if (changed[p] === 0 || difference[p]! <= level) continue;
      if (x < x1) x1 = x;
      if (y < y1) y1 = y;
      if (x + 1 > x2) x2 = x + 1;
      if (y + 1 > y2) y2 = y + 1;
    }
  }
  return x2 > x1 ? [x1, y1, x2, y2] : box;
}

/** Union components whose boxes lie within `gap` pixels of each other, until none do. */
function mergeNearby(components: Component[], gap: number): Component[] {
  let groups = components.slice();
  let changedAny = true;
  while (changedAny) {
    changedAny = false;
    const next: Component[] = [];
    for (const c of groups) {
      const i = next.findIndex((n) => boxesWithin(n.box, c.box, gap));
      if (i < 0) {
        next.push(c);
        continue;
      }
      const n = next[i]!;
      next[i] = {
        box: [Math.min(n.box[0], c.box[0]), Math.min(n.box[1], c.box[1]), Math.max(n.box[2], c.box[2]), Math.max(n.box[3], c.box[3])],
        area: n.area + c.area,
        peak: Math.max(n.peak, c.peak),
        scoreSum: n.scoreSum + c.scoreSum,
      };
      changedAny = true;
    }
    groups = next;
  }
  return groups;
}

function boxesWithin(p: BoxCoords, q: BoxCoords, gap: number): boolean {
  return p[0] - gap <= q[2] && q[0] - gap <= p[2] && p[1] - gap <= q[3] && q[1] - gap <= p[3];
}

/** A box that reaches the ignored border strip is extended to the frame's edge it touches. */
function reachEdges(box: BoxCoords, width: number, height: number, border: number): BoxCoords {
  return [
    box[0] <= border ? 0 : box[0],
    box[1] <= border ? 0 : box[1],
    box[2] >= width - border ? width : box[2],
    box[3] >= height - border ? height : box[3],
  ];
}
