import { describe, expect, it } from "vitest";
import type { ObjectEdit } from "../../src/captions/edit.js";
import { choosePromptPair } from "../../src/captions/prompt-pair.js";
import { ImgDiffError } from "../../src/errors.js";
import { TARGET_SCALE } from "../../src/scene/layout.js";
import { renderScene, type SceneRender } from "../../src/scene/render.js";
import { createRng } from "../../src/util/rng.js";
import type { Mask, RgbImage } from "../../src/vision/image.js";

const replace = choosePromptPair({ rng: createRng("render-test", 1), kind: "replace", source: "dog" });
const remove = choosePromptPair({ rng: createRng("render-test", 2), kind: "remove", source: "bus" });

/** Pixels (outside the mask) where two images differ. */
function differencesOutside(one: RgbImage, two: RgbImage, m: Mask): number {
  let count = 0;
  for (let p = 0; p < m.data.length; p++) {
    if (m.data[p] !== 0) continue;
    const i = p * 3;
    if (one.data[i] !== two.data[i] || one.data[i + 1] !== two.data[i + 1] || one.data[i + 2] !== two.data[i + 2]) count++;
  }
  return count;
}

function differencesInside(one: RgbImage, two: RgbImage, m: Mask): number {
  let count = 0;
  for (let p = 0; p < m.data.length; p++) {
    const i = p * 3;
    if (m.data[p] !== 0 && (one.data[i] !== two.data[i] || one.data[i + 1] !== two.data[i + 1] || one.data[i + 2] !== two.data[i + 2])) count++;
  }
  return count;
}

function maskBounds(m: Mask): [number, number, number, number] {
  let x1 = Infinity, y1 = Infinity, x2 = -1, y2 = -1;
  for (let p = 0; p < m.data.length; p++) {
    if (m.data[p] === 0) continue;
    const x = p % m.width, y = Math.floor(p / m.width);
    x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1);
  }
  return [x1, y1, x2, y2];
}

function same(one: SceneRender, two: SceneRender): boolean {
  return (
    Buffer.from(one.a.data).equals(Buffer.from(two.a.data)) &&
    Buffer.from(one.b.data).equals(Buffer.from(two.b.data)) &&
    Buffer.from(one.base.data).equals(Buffer.from(two.base.data)) &&
    Buffer.from(one.mask.data).equals(Buffer.from(two.mask.data)) &&
    one.truth.join() === two.truth.join()
  );
}

describe("renderScene", () => {
  it("draws a replacement pair that differs only inside the object mask", async () => {
    for (const seed of [1, 2, 3]) {
      const scene = await renderScene({ edit: replace, size: 512, seed });
      for (const image of [scene.a, scene.b, scene.base]) expect([image.width, image.height]).toEqual([512, 512]);
      expect(differencesOutside(scene.a, scene.b, scene.mask)).toBe(0);
      expect(differencesOutside(scene.a, scene.base, scene.mask)).toBe(0);
      expect(differencesInside(scene.a, scene.b, scene.mask)).toBeGreaterThan(100);
    }
  });

  it("gives the tight box of the mask, inside the target square of 12%-35% of the side", async () => {
    for (const seed of [4, 5, 6, 7]) {
      const { truth, mask, placement } = await renderScene({ edit: replace, size: 512, seed, distractors: 6 });
      expect([...truth]).toEqual(maskBounds(mask));
      expect(placement.size).toBeGreaterThanOrEqual(Math.floor(512 * TARGET_SCALE.min) - 2);
      expect(placement.size).toBeLessThanOrEqual(Math.ceil(512 * TARGET_SCALE.max) + 2);
      expect(placement.x).toBeGreaterThanOrEqual(0);
      expect(placement.y).toBeGreaterThanOrEqual(0);
      expect(placement.x + placement.size).toBeLessThanOrEqual(512);
      expect(placement.y + placement.size).toBeLessThanOrEqual(512);
      expect(truth[0]).toBeGreaterThanOrEqual(placement.x);
      expect(truth[3]).toBeLessThanOrEqual(placement.y + placement.size);
      expect(truth[2] - truth[0]).toBeGreaterThan(placement.size / 2);
    }
  });

  it("for removal, returns the base as image B and differs from A only in the mask", async () => {
    const scene = await renderScene({ edit: remove, size: 512, seed: 9 });
    expect(scene.b).toBe(scene.base);
    expect(differencesOutside(scene.a, scene.base, scene.mask)).toBe(0);
    expect(differencesInside(scene.a, scene.base, scene.mask)).toBeGreaterThan(100);
  });

  it("is byte-identical for the same options, with and without perturbation", async () => {
    const perturb = { jpegQuality: 80, blurSigma: 0.5, brightness: 1.04, shiftPx: 1, noiseSigma: 2 };
    expect(same(await renderScene({ edit: replace, size: 512, seed: "s" }), await renderScene({ edit: replace, size: 512, seed: "s" }))).toBe(true);
    expect(same(await renderScene({ edit: replace, size: 512, seed: 3, perturb }), await renderScene({ edit: replace, size: 512, seed: 3, perturb }))).toBe(true);
    expect(same(await renderScene({ edit: replace, size: 512, seed: 3 }), await renderScene({ edit: replace, size: 512, seed: 4 }))).toBe(false);
  });

  it("perturbs the pair's second image only (b for replacement, base for removal), keeping A, the size and the truth", async () => {
    const clean = await renderScene({ edit: replace, size: 512, seed: 11 });
    const noisy = await renderScene({ edit: replace, size: 512, seed: 11, perturb: { jpegQuality: 75, shiftPx: 2, noiseSigma: 3 } });
    expect(Buffer.from(noisy.a.data).equals(Buffer.from(clean.a.data))).toBe(true);
    expect(noisy.truth).toEqual(clean.truth);
    expect([noisy.b.width, noisy.b.height, noisy.base.width, noisy.base.height]).toEqual([512, 512, 512, 512]);
    expect(differencesOutside(clean.b, noisy.b, clean.mask)).toBeGreaterThan(1000);
    expect(differencesOutside(clean.base, noisy.base, clean.mask)).toBe(0);
    const cleanRemoval = await renderScene({ edit: remove, size: 512, seed: 11 });
    const noisyRemoval = await renderScene({ edit: remove, size: 512, seed: 11, perturb: { jpegQuality: 75, shiftPx: 2, noiseSigma: 3 } });
    expect(Buffer.from(noisyRemoval.a.data).equals(Buffer.from(cleanRemoval.a.data))).toBe(true);
    expect(differencesOutside(cleanRemoval.base, noisyRemoval.base, cleanRemoval.mask)).toBeGreaterThan(1000);
    expect(noisyRemoval.b).toBe(noisyRemoval.base);
  });

  it("paints a textured background, not a flat colour", async () => {
    const { base } = await renderScene({ edit: replace, size: 512, seed: 12, distractors: 0 });
    const colours = new Set<number>();
    for (let i = 0; i < base.data.length; i += 3) colours.add(((base.data[i] as number) << 16) | ((base.data[i + 1] as number) << 8) | (base.data[i + 2] as number));
    expect(colours.size).toBeGreaterThan(500);
  });

  it("draws the distractors identically in every image", async () => {
    const bare = await renderScene({ edit: replace, size: 512, seed: 13, distractors: 0 });
    const busy = await renderScene({ edit: replace, size: 512, seed: 13, distractors: 8 });
    expect(differencesOutside(bare.base, busy.base, busy.mask)).toBeGreaterThan(1000);
    expect(differencesOutside(busy.a, busy.b, busy.mask)).toBe(0);
  });

  it("renders at 1024", async () => {
    const scene = await renderScene({ edit: remove, size: 1024, seed: 14 });
    expect([scene.a.width, scene.a.data.length, scene.mask.data.length]).toEqual([1024, 1024 * 1024 * 3, 1024 * 1024]);
    expect(scene.truth[2] - scene.truth[0]).toBeGreaterThan(1024 * TARGET_SCALE.min * 0.5);
  });

  it("rejects objects without artwork and bad options with stable codes", async () => {
    const alien: ObjectEdit = { ...replace, source: "spaceship" };
    await expect(renderScene({ edit: alien, size: 512, seed: 1 })).rejects.toMatchObject({ code: "UNKNOWN_OBJECT" });
    await expect(renderScene({ edit: replace, size: 300 as 512, seed: 1 })).rejects.toBeInstanceOf(ImgDiffError);
    await expect(renderScene({ edit: replace, size: 512, seed: 1, distractors: -1 })).rejects.toMatchObject({ code: "INVALID_DISTRACTORS" });
    await expect(renderScene({ edit: replace, size: 512, seed: 1, perturb: { jpegQuality: 0 } })).rejects.toMatchObject({ code: "INVALID_PERTURBATION" });
  });
});
