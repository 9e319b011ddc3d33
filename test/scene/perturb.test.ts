import { describe, expect, it } from "vitest";
import { applyPerturb, randomPerturb, validatePerturb } from "../../src/scene/perturb.js";
import { createRng } from "../../src/util/rng.js";
import { rgbImage, type RgbImage } from "../../src/vision/image.js";

/** A 16x12 image whose red channel is x * 10 and green y * 10, so positions can be read back. */
function ramp(): RgbImage {
  const image = rgbImage(16, 12);
  for (let y = 0; y < 12; y++) for (let x = 0; x < 16; x++) image.data.set([x * 10, y * 10, 100], (y * 16 + x) * 3);
  return image;
}

const at = (image: RgbImage, x: number, y: number): number[] => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));

describe("perturbations", () => {
  it("shifts by whole pixels, keeping the size and repeating the edge", async () => {
    const source = ramp();
    const shifted = await applyPerturb(source, { shiftPx: 2 }, createRng("shift", 1));
    expect([shifted.width, shifted.height, shifted.data.length]).toEqual([16, 12, 16 * 12 * 3]);
    // Read the direction back from an interior pixel, then check it held everywhere.
    const [r, g] = at(shifted, 8, 6) as [number, number];
    const dx = 8 - r / 10;
    const dy = 6 - g / 10;
    expect(Math.max(Math.abs(dx), Math.abs(dy))).toBe(2);
    for (let y = 0; y < 12; y++) {
      for (let x = 0; x < 16; x++) {
        const sx = Math.min(15, Math.max(0, x - dx));
        const sy = Math.min(11, Math.max(0, y - dy));
        expect(at(shifted, x, y)).toEqual(at(source, sx, sy));
      }
    }
    expect(at(source, 8, 6)).toEqual([80, 60, 100]); // the input is left alone
  });

  it("scales brightness with saturation and leaves an empty option set a plain copy", async () => {
    const brighter = await applyPerturb(ramp(), { brightness: 2 }, createRng(1));
    expect(at(brighter, 15, 11)).toEqual([255, 220, 200]);
    const copy = await applyPerturb(ramp(), {}, createRng(1));
    expect(Buffer.from(copy.data).equals(Buffer.from(ramp().data))).toBe(true);
  });

  it("adds seeded noise of about the requested strength", async () => {
    const flat = rgbImage(64, 64, new Uint8Array(64 * 64 * 3).fill(128));
    const one = await applyPerturb(flat, { noiseSigma: 4 }, createRng("noise", 1));
    const two = await applyPerturb(flat, { noiseSigma: 4 }, createRng("noise", 1));
    expect(Buffer.from(one.data).equals(Buffer.from(two.data))).toBe(true);
    let sum = 0;
    for (const v of one.data) sum += (v - 128) ** 2;
    expect(Math.sqrt(sum / one.data.length)).toBeGreaterThan(3);
    expect(Math.sqrt(sum / one.data.length)).toBeLessThan(5);
  });

  it("round-trips through JPEG and blur at the same size", async () => {
    const out = await applyPerturb(ramp(), { jpegQuality: 60, blurSigma: 0.8 }, createRng(1));
    expect([out.width, out.height, out.data.length]).toEqual([16, 12, 16 * 12 * 3]);
    expect(Buffer.from(out.data).equals(Buffer.from(ramp().data))).toBe(false);
  });

  it("picks a reproducible, valid, varied mix", () => {
    const mixes = Array.from({ length: 200 }, (_, i) => randomPerturb(createRng("mix", i)));
    expect(randomPerturb(createRng("mix", 5))).toEqual(mixes[5]);
    for (const mix of mixes) expect(() => validatePerturb(mix)).not.toThrow();
    for (const key of ["jpegQuality", "blurSigma", "brightness", "shiftPx", "noiseSigma"]) {
      const share = mixes.filter((m) => key in m).length / mixes.length;
      expect(share, key).toBeGreaterThan(0.1);
      expect(share, key).toBeLessThan(0.8);
    }
  });

  it("rejects out-of-range options, naming the field", () => {
    expect(() => validatePerturb({ blurSigma: 0.1 })).toThrow(/blurSigma.*0\.1/);
    expect(() => validatePerturb({ shiftPx: 1.5 })).toThrow(/shiftPx/);
    expect(() => validatePerturb({ brightness: 0 })).toThrow(/brightness/);
  });
});
