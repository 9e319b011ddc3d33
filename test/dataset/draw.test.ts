import { describe, expect, it } from "vitest";
import { ImageError } from "../../src/errors.js";
import { drawRedBox, sideBySide } from "../../src/vision/draw.js";
import { rgbImage, type RgbImage } from "../../src/vision/image.js";

function filled(width: number, height: number, rgb: readonly [number, number, number]): RgbImage {
  const img = rgbImage(width, height);
  for (let i = 0; i < width * height; i++) img.data.set(rgb, i * 3);
  return img;
}

function px(img: RgbImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

const RED = [255, 0, 0];
const GREY = [128, 128, 128] as const;

describe("drawRedBox", () => {
  it("draws a 3-px outline inside the box grown by 5 px and leaves the rest alone", () => {
    const img = filled(100, 80, GREY);
    const out = drawRedBox(img, [30, 20, 60, 50]);
    // Grown box: x 25..65 (exclusive), y 15..55; outline x 25,26,27 and 62,63,64.
    for (const x of [25, 26, 27, 62, 63, 64]) expect(px(out, x, 35)).toEqual(RED);
    for (const y of [15, 16, 17, 52, 53, 54]) expect(px(out, 45, y)).toEqual(RED);
    for (const x of [24, 28, 61, 65]) expect(px(out, x, 35)).toEqual([...GREY]);
    for (const y of [14, 18, 51, 55]) expect(px(out, 45, y)).toEqual([...GREY]);
    // The original box itself and its 2-px margin are untouched.
    expect(px(out, 30, 20)).toEqual([...GREY]);
    expect(px(out, 29, 35)).toEqual([...GREY]);
    let red = 0;
    for (let i = 0; i < out.data.length; i += 3) if (out.data[i] === 255 && out.data[i + 1] === 0) red++;
    expect(red).toBe(40 * 40 - 34 * 34);
  });

  it("returns a copy and does not touch the input", () => {
    const img = filled(40, 40, GREY);
    const before = img.data.slice();
    const out = drawRedBox(img, [10, 10, 20, 20]);
    expect(img.data).toEqual(before);
    expect(out.data).not.toBe(img.data);
  });

  it("clamps the grown box to the image", () => {
    const out = drawRedBox(filled(50, 50, GREY), [0, 0, 10, 10]);
    for (const [x, y] of [[0, 0], [1, 7], [2, 14], [14, 0], [12, 14]] as const) expect(px(out, x, y)).toEqual(RED);
    expect(px(out, 3, 3)).toEqual([...GREY]);
    expect(px(out, 15, 5)).toEqual([...GREY]);
  });

  it("honours grow and width options", () => {
    const out = drawRedBox(filled(60, 60, GREY), [20, 20, 40, 40], { grow: 0, width: 1 });
    expect(px(out, 20, 30)).toEqual(RED);
    expect(px(out, 39, 30)).toEqual(RED);
    expect(px(out, 21, 30)).toEqual([...GREY]);
    expect(px(out, 19, 30)).toEqual([...GREY]);
  });

  it("rejects a box with no pixels in the image", () => {
    const call = () => drawRedBox(filled(20, 20, GREY), [100, 100, 120, 120]);
    expect(call).toThrow(ImageError);
    expect(call).toThrow(/BOX|no pixels/);
  });
});

describe("sideBySide", () => {
  it("puts left, a black 20-px bar, then right", () => {
    const left = filled(30, 10, [255, 0, 0]);
    const right = filled(25, 10, [0, 0, 255]);
    const out = sideBySide(left, right);
    expect(out.width).toBe(30 + 20 + 25);
    expect(out.height).toBe(10);
    expect(px(out, 29, 5)).toEqual([255, 0, 0]);
    for (const x of [30, 40, 49]) expect(px(out, x, 9)).toEqual([0, 0, 0]);
    expect(px(out, 50, 0)).toEqual([0, 0, 255]);
    expect(px(out, 74, 9)).toEqual([0, 0, 255]);
  });

  it("keeps rows aligned (no shear)", () => {
    const left = rgbImage(3, 2);
    left.data.set([1, 1, 1], (1 * 3 + 0) * 3); // row 1, x 0
    const right = rgbImage(2, 2);
    right.data.set([9, 9, 9], (1 * 2 + 1) * 3); // row 1, x 1
    const out = sideBySide(left, right, 4);
    expect(px(out, 0, 1)).toEqual([1, 1, 1]);
    expect(px(out, 3 + 4 + 1, 1)).toEqual([9, 9, 9]);
    expect(px(out, 0, 0)).toEqual([0, 0, 0]);
  });

  it("refuses images of different heights, naming both sizes", () => {
    const call = () => sideBySide(rgbImage(10, 10), rgbImage(10, 11));
    expect(call).toThrow(ImageError);
    expect(call).toThrow(/10x10.*10x11/);
  });
});
