/**
 * The seeded synthetic evaluation set: image pairs with exact ground-truth boxes.
 *
 * A pair is two renders of one scene (procedural background, distractor clutter identical in
 * both) in which 1-3 edits differ: an object replaced, removed or added. The truth box of an
 * edit is the bounding box of the pixels whose clean renders differ (any channel by >= 8 levels),
 * measured before any perturbation, in image A's pixels.
 *
 * Sets:
 * - easy: one or two large edits, no perturbation;
 * - hard: perturbations on both images (JPEG, blur, tone, 1-2 px shift of B, noise) and edits of
 *   every difficult kind: small (just above the W·H/400 limit), low-contrast recolours (ΔE 10-20), objects
 *   cut by the frame's edge, several per pair, among dense clutter;
 * - nochange: the same scene twice under the hard set's perturbations; the truth is empty.
 */
import sharp from "sharp";
import type { BoxCoords } from "../../src/vision/box.js";
import { boxArea } from "../../src/vision/box.js";
import { createRng, type Rng } from "../../src/util/rng.js";
import { rgbImage } from "../../src/vision/image.js";
import { toLab } from "../../src/vision/lab.js";
import { renderBackground } from "./background.js";
import { randomIconName, randomShape, sceneSvg, type SceneObject } from "./objects.js";
import { NO_PERTURBATION, randomPerturbation, renderPerturbed } from "./perturb.js";

export type EvalSetName = "easy" | "hard" | "nochange";
export const EVAL_SETS: readonly EvalSetName[] = ["easy", "hard", "nochange"];

export interface EvalPair {
  readonly id: string;
  readonly set: EvalSetName;
  readonly width: number;
  readonly height: number;
  readonly bytesA: Buffer;
  readonly bytesB: Buffer;
  readonly truth: BoxCoords[];
}

export interface PairOptions {
  /** Frame size (square); default alternates 512 and 1024 with the index. */
  readonly size?: number;
  /** Force PNG encoding for both images (no JPEG perturbation). */
  readonly pngOnly?: boolean;
}

type EditKind = "normal" | "small" | "lowContrast" | "border";

interface Edit {
  readonly source: SceneObject | null;
  readonly target: SceneObject | null;
}

/** Margin of scene around the frame, so that shifting B's crop window reveals real scene. */
const MARGIN = 4;
/** Smallest visible change, in 8-bit levels, that counts as a changed pixel of the truth. */
const TRUTH_LEVEL = 8;

export async function generatePair(set: EvalSetName, index: number, seed: number, options: PairOptions = {}): Promise<EvalPair> {
  const rng = createRng("imgdiff-eval", seed, set, index);
  const size = options.size ?? (index % 2 === 0 ? 512 : 1024);
  const sceneSize = size + 2 * MARGIN;
  const background = renderBackground(rng.fork("background"), sceneSize, sceneSize);
  const clutter = makeClutter(rng.fork("clutter"), size, set === "easy" ? rng.int(0, 3) : rng.int(4, 12));

  let edits = set === "nochange" ? [] : makeEdits(rng.fork("edits"), size, set);
  let sceneA: Uint8Array;
  let sceneB: Uint8Array;
  let truth: BoxCoords[];
  // An edit whose visible change turns out smaller than the W·H/400 limit (a mostly transparent
  // icon) is enlarged and the scene re-rendered, so every truth box is one the detector must find.
  for (let attempt = 0; ; attempt++) {
    sceneA = await renderScene(background, sceneSize, [...clutter, ...edits.flatMap((e) => (e.source ? [e.source] : []))]);
    sceneB = await renderScene(background, sceneSize, [...clutter, ...edits.flatMap((e) => (e.target ? [e.target] : []))]);
    truth = edits.map((e) => changedBox(sceneA, sceneB, sceneSize, size, e));
    const limit = (size * size) / 400;
    const tooSmall = truth.map((t) => boxArea(t) < 1.05 * limit);
    if (!tooSmall.includes(true) || attempt === 6) {
      if (tooSmall.includes(true)) throw new Error(`eval pair ${set}/${index}: an edit stays below the area limit`);
      break;
    }
    edits = edits.map((e, i) => (tooSmall[i] ? grow(e, 1.2) : e));
  }

  const perturbA = set === "easy" ? NO_PERTURBATION : randomPerturbation(rng.fork("perturb-a"), false);
  const perturbB = set === "easy" ? NO_PERTURBATION : randomPerturbation(rng.fork("perturb-b"), true);
  const png = (p: typeof perturbA) => (options.pngOnly ? { ...p, jpegQuality: 0 } : p);
  const [bytesA, bytesB] = await Promise.all([
    renderPerturbed(sceneA, sceneSize, MARGIN, size, png(perturbA), rng.fork("noise-a")),
    renderPerturbed(sceneB, sceneSize, MARGIN, size, png(perturbB), rng.fork("noise-b")),
  ]);
  return { id: `${set}-${index}`, set, width: size, height: size, bytesA, bytesB, truth };
}

function makeClutter(rng: Rng, size: number, count: number): SceneObject[] {
  return Array.from({ length: count }, () => randomObject(rng, rng.int(Math.round(size * 0.05), Math.round(size * 0.14)), size, false));
}

function randomObject(rng: Rng, objectSize: number, size: number, atBorder: boolean): SceneObject {
  let x = rng.int(0, size - objectSize);
  let y = rng.int(0, size - objectSize);
  if (atBorder) {
    // Cut by one of the four edges: between a quarter and a half of the object is outside.
    const out = Math.round(objectSize * rng.float(0.25, 0.5));
    switch (rng.int(0, 3)) {
      case 0: x = -out; break;
      case 1: y = -out; break;
      case 2: x = size - objectSize + out; break;
      default: y = size - objectSize + out;
    }
  }
  return rng.chance(0.6)
    ? { kind: "icon", name: randomIconName(rng), x: x + MARGIN, y: y + MARGIN, size: objectSize }
    : { kind: "shape", shape: randomShape(rng), colour: randomColour(rng), x: x + MARGIN, y: y + MARGIN, size: objectSize };
}

function randomColour(rng: Rng): [number, number, number] {
  return [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
}

function makeEdits(rng: Rng, size: number, set: EvalSetName): Edit[] {
  const kinds: EditKind[] =
    set === "easy"
      ? Array.from({ length: rng.int(1, 2) }, () => "normal" as const)
      : Array.from({ length: rng.int(1, 3) }, () => rng.pick(["normal", "small", "lowContrast", "border"] as const));
  const placed: SceneObject[] = [];
  const edits: Edit[] = [];
  for (const kind of kinds) {
    for (let tries = 0; tries < 60; tries++) {
      const edit = makeEdit(rng, size, kind, set);
      const square = (edit.source ?? edit.target)!;
      const gap = size * 0.05;
      if (placed.some((p) => overlaps(p, square, gap))) continue;
      placed.push(square);
      edits.push(edit);
      break;
    }
  }
  return edits;
}

function makeEdit(rng: Rng, size: number, kind: EditKind, set: EvalSetName): Edit {
  const objectSize =
    kind === "small"
      ? Math.round(Math.sqrt(rng.float(1.15, 1.6) * ((size * size) / 400)))
      : Math.round(size * (set === "easy" ? rng.float(0.12, 0.25) : rng.float(0.08, 0.2)));
  const source = randomObject(rng, objectSize, size, kind === "border");
  if (kind === "lowContrast") {
    const shape = { kind: "shape" as const, shape: randomShape(rng), x: source.x, y: source.y, size: objectSize };
    const [colour, recoloured] = lowContrastColours(rng);
    return { source: { ...shape, colour }, target: { ...shape, colour: recoloured } };
  }
  const action = rng.pick(["replace", "replace", "remove", "add"] as const);
  let replacement = randomObject(rng, objectSize, size, false);
  replacement = { ...replacement, x: source.x, y: source.y };
  if (action === "remove") return { source, target: null };
  if (action === "add") return { source: null, target: source };
  return { source, target: replacement };
}

/**
 * Two colours that differ by a CIE76 ΔE between 10 and 20: subtle (a just-noticeable difference
 * is about 2.3) but plainly visible side by side, like a recoloured object after an edit.
 */
function lowContrastColours(rng: Rng): [[number, number, number], [number, number, number]] {
  for (;;) {
    const colour = randomColour(rng).map((c) => Math.min(215, Math.max(40, c))) as [number, number, number];
    const other = colour.map((c) => c + rng.int(-24, 24)) as [number, number, number];
    const lab = toLab(rgbImage(2, 1, Uint8Array.from([...colour, ...other])));
    const dE = Math.hypot(lab.l[0]! - lab.l[1]!, lab.a[0]! - lab.a[1]!, lab.b[0]! - lab.b[1]!);
    if (dE >= 10 && dE <= 20) return [colour, other];
  }
}

function grow(edit: Edit, factor: number): Edit {
  const scale = (o: SceneObject | null): SceneObject | null => (o ? { ...o, size: Math.round(o.size * factor) } : null);
  return { source: scale(edit.source), target: scale(edit.target) };
}

function overlaps(p: SceneObject, q: SceneObject, gap: number): boolean {
  return p.x - gap < q.x + q.size && q.x - gap < p.x + p.size && p.y - gap < q.y + q.size && q.y - gap < p.y + p.size;
}

async function renderScene(background: Uint8Array, sceneSize: number, objects: readonly SceneObject[]): Promise<Uint8Array> {
  const raw = { width: sceneSize, height: sceneSize, channels: 3 as const };
  const out = await sharp(background, { raw })
    .composite([{ input: sceneSvg(sceneSize, sceneSize, objects), left: 0, top: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Bounding box, in frame pixels, of the pixels an edit changed (clean renders, no shift). */
function changedBox(a: Uint8Array, b: Uint8Array, sceneSize: number, size: number, edit: Edit): BoxCoords {
  const squares = [edit.source, edit.target].filter((o): o is SceneObject => o !== null);
  const fx1 = Math.max(0, Math.min(...squares.map((s) => s.x)) - MARGIN - 2);
  const fy1 = Math.max(0, Math.min(...squares.map((s) => s.y)) - MARGIN - 2);
  const fx2 = Math.min(size, Math.max(...squares.map((s) => s.x + s.size)) - MARGIN + 2);
  const fy2 = Math.min(size, Math.max(...squares.map((s) => s.y + s.size)) - MARGIN + 2);
  let x1 = size;
  let y1 = size;
  let x2 = 0;
  let y2 = 0;
  for (let y = fy1; y < fy2; y++) {
    for (let x = fx1; x < fx2; x++) {
      const p = ((y + MARGIN) * sceneSize + x + MARGIN) * 3;
      const d = Math.max(Math.abs(a[p]! - b[p]!), Math.abs(a[p + 1]! - b[p + 1]!), Math.abs(a[p + 2]! - b[p + 2]!));
      if (d < TRUTH_LEVEL) continue;
      if (x < x1) x1 = x;
      if (y < y1) y1 = y;
      if (x + 1 > x2) x2 = x + 1;
      if (y + 1 > y2) y2 = y + 1;
    }
  }
  return x2 > x1 ? [x1, y1, x2, y2] : [0, 0, 0, 0];
}
