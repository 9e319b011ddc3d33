import { readdir } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import type { ObjectEdit, RegionCaption } from "../../src/captions/edit.js";
import type { DatasetSample } from "../../src/dataset/writer.js";
import type { BoxCoords } from "../../src/vision/box.js";
import { rgbImage, type RgbImage } from "../../src/vision/image.js";

/** Shared fixtures of the dataset tests: tiny synthetic pairs with known object pixels. */

export type Rgb = readonly [number, number, number];

export const BACKGROUND: Rgb = [40, 90, 160];
export const OBJECT_A: Rgb = [20, 200, 60];
export const OBJECT_B: Rgb = [230, 200, 20];

export const WIDTH = 64;
export const HEIGHT = 48;
export const BOX: BoxCoords = [20, 12, 36, 28];

export function paint(width: number, height: number, background: Rgb, box?: BoxCoords, fill?: Rgb): RgbImage {
  const img = rgbImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = box && fill && x >= box[0] && x < box[2] && y >= box[1] && y < box[3];
      img.data.set(inside ? fill : background, (y * width + x) * 3);
    }
  }
  return img;
}

export const replaceEdit: ObjectEdit = {
  kind: "replace",
  category: "animal",
  source: "dog",
  target: "cat",
  scene: "a sunny park",
  sourcePrompt: "a dog in a sunny park",
  editedPrompt: "a cat in a sunny park",
};

export const removeEdit: ObjectEdit = { ...replaceEdit, kind: "remove", target: null, editedPrompt: "a sunny park" };

export function region(box: BoxCoords, n = 0): RegionCaption {
  return {
    box,
    caption1: `A small dog ${n}.`,
    caption2: `A small cat ${n}.`,
    difference: `The left image shows a dog ${n}, while the right image shows a cat. The difference is the animal.`,
  };
}

export function replacementSample(index: number, boxes: readonly BoxCoords[] = [BOX]): DatasetSample {
  return {
    index,
    kind: "replace",
    edit: replaceEdit,
    imageA: paint(WIDTH, HEIGHT, BACKGROUND, boxes[0], OBJECT_A),
    imageB: paint(WIDTH, HEIGHT, BACKGROUND, boxes[0], OBJECT_B),
    regions: boxes.map((b, n) => region(b, n)),
  };
}

export function removalSample(index: number, extra: Partial<DatasetSample> = {}): DatasetSample {
  return {
    index,
    kind: "remove",
    edit: removeEdit,
    imageA: paint(WIDTH, HEIGHT, BACKGROUND, BOX, OBJECT_A),
    imageB: paint(WIDTH, HEIGHT, BACKGROUND),
    regions: [{ ...region(BOX), caption2: "Nothing but the background." }],
    ...extra,
  };
}

export async function decode(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return rgbImage(info.width, info.height, new Uint8Array(data));
}

/** Mean colour of the box interior (the outline lies outside the box). */
export function meanIn(img: RgbImage, box: BoxCoords): Rgb {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = box[1] + 2; y < box[3] - 2; y++) {
    for (let x = box[0] + 2; x < box[2] - 2; x++) {
      const i = (y * img.width + x) * 3;
      for (let c = 0; c < 3; c++) sum[c]! += img.data[i + c]!;
      n++;
    }
  }
  return [sum[0]! / n, sum[1]! / n, sum[2]! / n];
}

export function near(a: Rgb, b: Rgb, tolerance = 12): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
}

/** Every file below `dir`, relative to it, "/"-separated, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}
