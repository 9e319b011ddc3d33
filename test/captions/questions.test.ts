import { describe, expect, it } from "vitest";
import {
  differencePrompt,
  normalisedBox,
  normalisedBoxString,
  regionPrompt,
  removalQuestion,
  REPLACEMENT_QUESTION,
} from "../../src/captions/questions.js";

describe("paper question texts", () => {
  it("uses the released replacement question word for word, without the doubled 'the'", () => {
    expect(REPLACEMENT_QUESTION).toBe(
      "Analyse the left image and the right image (separated by the black vertical bar). What is the difference between the red bounding box area in each image? Answer the question in a few concise sentences.",
    );
    expect(REPLACEMENT_QUESTION).not.toMatch(/the the/);
  });

  it("builds the removal A/B question of paper Fig. 10", () => {
    expect(removalQuestion("A red frisbee.")).toBe(
      'Analyse the left image and the right image (separated by the black vertical bar). Which image has the object related to "A red frisbee." within the red bounding box?\nA. the left image\nB. the right image\nAnswer with the option\'s letter from the given choices directly.',
    );
  });

  it("keeps a multi-line caption on one line so the options stay where the trainer expects them", () => {
    const q = removalQuestion("  A dog\nsitting  on grass. ");
    expect(q).toContain('"A dog sitting on grass."');
    expect(q.split("\n")).toHaveLength(4);
  });

  it("builds the stage-1 region prompt from numbers or a ready string", () => {
    expect(regionPrompt([0.5, 0, 1, 0.25])).toBe("Please provide a clear description for this region: [0.50, 0.00, 1.00, 0.25].");
    expect(regionPrompt("[0.86, 0.41, 0.98, 0.54]")).toBe(
      "Please provide a clear description for this region: [0.86, 0.41, 0.98, 0.54].",
    );
  });

  it("builds the stage-2 difference prompt in the paper's Fig. 4 wording", () => {
    expect(differencePrompt("A dog.", "A cat.")).toBe(
      "Analyse the left image and the right image (separated by the black vertical bar). The detail within the red bounding box in the left image is: A dog., the detail within the red bounding box in the right image is: A cat.. What is their difference? Answer with a few concise sentences.",
    );
  });
});

describe("normalised boxes", () => {
  it("always prints two decimals", () => {
    expect(normalisedBoxString([512, 0, 1024, 256], 1024, 1024)).toBe("[0.50, 0.00, 1.00, 0.25]");
  });

  it("rounds to the nearest hundredth, as the released bbox strings do", () => {
    // 880/1024 = 0.859, 420/1024 = 0.410, 1004/1024 = 0.980, 553/1024 = 0.540
    expect(normalisedBoxString([880, 420, 1004, 553], 1024, 1024)).toBe("[0.86, 0.41, 0.98, 0.54]");
    expect(normalisedBox([880, 420, 1004, 553], 1024, 1024)).toEqual([0.86, 0.41, 0.98, 0.54]);
  });

  it("divides x by the width and y by the height", () => {
    expect(normalisedBox([100, 100, 200, 200], 400, 200)).toEqual([0.25, 0.5, 0.5, 1]);
  });

  it("clamps boxes that reach past the image", () => {
    expect(normalisedBoxString([-5, -1, 120, 90], 100, 100)).toBe("[0.00, 0.00, 1.00, 0.90]");
  });

  it("keeps the list and the string consistent", () => {
    const box = [13, 257, 611, 999] as const;
    const list = normalisedBox(box, 1024, 1024);
    expect(normalisedBoxString(box, 1024, 1024)).toBe(`[${list.map((v) => v.toFixed(2)).join(", ")}]`);
  });
});
