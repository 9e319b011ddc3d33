import { describe, expect, it } from "vitest";
import type { ObjectEdit } from "../../src/captions/edit.js";
import { positionPhrase, sizeWord } from "../../src/captions/position.js";
import { captionPair } from "../../src/captions/template-captioner.js";
import { withArticle } from "../../src/captions/lexicon.js";
import { ImgDiffError } from "../../src/errors.js";
import { createRng } from "../../src/util/rng.js";
import type { BoxCoords } from "../../src/vision/box.js";

const replaceEdit: ObjectEdit = {
  kind: "replace",
  category: "animal",
  source: "dog",
  target: "cat",
  scene: "a sunny park",
  sourcePrompt: "a dog in a sunny park",
  editedPrompt: "a cat in a sunny park",
};
const removeEdit: ObjectEdit = { ...replaceEdit, kind: "remove", target: null, editedPrompt: "a sunny park" };

describe("positionPhrase", () => {
  const cases: [BoxCoords, string][] = [
    [[0, 0, 30, 30], "in the upper left"],
    [[130, 0, 170, 30], "at the top"],
    [[270, 0, 300, 30], "in the upper right"],
    [[0, 130, 30, 170], "on the left"],
    [[130, 130, 170, 170], "in the centre"],
    [[270, 130, 300, 170], "on the right"],
    [[0, 270, 30, 300], "in the lower left"],
    [[130, 270, 170, 300], "at the bottom"],
    [[270, 270, 300, 300], "in the lower right"],
  ];
  it.each(cases)("box %j is %s", (box, phrase) => {
    expect(positionPhrase(box, 300, 300)).toBe(phrase);
  });

  it("uses the box centre, not its corner", () => {
    // Starts in the left third but its centre (150) is in the middle third.
    expect(positionPhrase([50, 130, 250, 170], 300, 300)).toBe("in the centre");
  });
});

describe("sizeWord", () => {
  it("grades by share of the frame: <4% small, <16% medium-sized, else large", () => {
    expect(sizeWord([0, 0, 19, 20], 100, 100)).toBe("small"); // 3.8%
    expect(sizeWord([0, 0, 20, 20], 100, 100)).toBe("medium-sized"); // 4%
    expect(sizeWord([0, 0, 39, 40], 100, 100)).toBe("medium-sized"); // 15.6%
    expect(sizeWord([0, 0, 40, 40], 100, 100)).toBe("large"); // 16%
  });
});

describe("withArticle", () => {
  it.each([
    ["dog", "a dog"],
    ["apple", "an apple"],
    ["orange", "an orange"],
    ["umbrella", "an umbrella"],
    ["unicorn", "a unicorn"],
    ["hourglass", "an hourglass"],
    ["horse", "a horse"],
    ["one-wheeler", "a one-wheeler"],
    ["large owl", "a large owl"],
    ["scissors", "a pair of scissors"],
  ])("%s -> %s", (noun, expected) => {
    expect(withArticle(noun)).toBe(expected);
  });
});

describe("captionPair", () => {
  const boxes: BoxCoords[] = [
    [10, 200, 60, 250],
    [200, 20, 290, 90],
  ];

  it("captions every box, keeps the boxes, and names objects, category and position", () => {
    const result = captionPair({ edit: replaceEdit, boxes, width: 300, height: 300, rng: createRng("t", 1) });
    expect(result.kind).toBe("replace");
    expect(result.regions.map((r) => r.box)).toEqual(boxes);
    const [first] = result.regions;
    expect(first!.caption1).toMatch(/dog/i);
    expect(first!.caption1).not.toMatch(/cat/i);
    expect(first!.caption2).toMatch(/cat/i);
    expect(first!.difference).toMatch(/dog/);
    expect(first!.difference).toMatch(/cat/);
    expect(first!.difference).toMatch(/left image/);
    expect(first!.difference).toMatch(/right image/);
  });

  it("mentions position, size and category across the phrasings", () => {
    const texts = Array.from({ length: 40 }, (_, seed) =>
      captionPair({ edit: replaceEdit, boxes: [boxes[0]!], width: 300, height: 300, rng: createRng("mix", seed) }).regions[0]!,
    );
    expect(texts.some((r) => r.difference.includes("in the lower left"))).toBe(true);
    expect(texts.some((r) => r.difference.includes("animal"))).toBe(true);
    expect(texts.some((r) => r.difference.includes("small dog"))).toBe(true);
    expect(texts.some((r) => r.caption1 === "A small dog in the lower left.")).toBe(true);
    // Every difference caption is 2-3 sentences and starts with a capital.
    for (const r of texts) {
      expect(r.difference.split(/(?<=\.)\s+/).length).toBeGreaterThanOrEqual(2);
      expect(r.difference.split(/(?<=\.)\s+/).length).toBeLessThanOrEqual(3);
      expect(r.difference.charAt(0)).toMatch(/[A-Z]/);
    }
  });

  it("is deterministic for the same rng labels and varies with them", () => {
    const run = (seed: number) => captionPair({ edit: replaceEdit, boxes, width: 300, height: 300, rng: createRng("d", seed) });
    expect(run(7)).toEqual(run(7));
    const differences = new Set(Array.from({ length: 30 }, (_, s) => run(s).regions[0]!.difference));
    expect(differences.size).toBeGreaterThan(1);
  });

  it("has at least 5 phrasings for each kind of text", () => {
    const seen = { c1: new Set<string>(), c2: new Set<string>(), diff: new Set<string>(), c2rm: new Set<string>(), diffrm: new Set<string>() };
    for (let seed = 0; seed < 200; seed++) {
      const rep = captionPair({ edit: replaceEdit, boxes: [boxes[0]!], width: 300, height: 300, rng: createRng("p", seed) }).regions[0]!;
      const rem = captionPair({ edit: removeEdit, boxes: [boxes[0]!], width: 300, height: 300, rng: createRng("p", seed) }).regions[0]!;
      seen.c1.add(rep.caption1);
      seen.c2.add(rep.caption2);
      seen.diff.add(rep.difference);
      seen.c2rm.add(rem.caption2);
      seen.diffrm.add(rem.difference);
    }
    for (const set of Object.values(seen)) expect(set.size).toBeGreaterThanOrEqual(5);
  });

  it("a box's wording does not depend on the boxes before it", () => {
    const rng = () => createRng("order", 3);
    const both = captionPair({ edit: replaceEdit, boxes, width: 300, height: 300, rng: rng() });
    const alone = captionPair({ edit: replaceEdit, boxes: [boxes[0]!], width: 300, height: 300, rng: rng() });
    expect(both.regions[0]).toEqual(alone.regions[0]);
  });

  it("uses proper articles for vowel-initial objects in every phrasing", () => {
    const edit: ObjectEdit = { ...replaceEdit, category: "fruit", source: "apple", target: "orange" };
    for (let seed = 0; seed < 60; seed++) {
      const r = captionPair({ edit, boxes: [[100, 100, 200, 200]], width: 300, height: 300, rng: createRng("a", seed) }).regions[0]!;
      for (const text of [r.caption1, r.caption2, r.difference]) {
        expect(text).not.toMatch(/\ba (apple|orange)\b/i);
      }
    }
  });

  it("describes a removal: object on the left, background on the right", () => {
    for (let seed = 0; seed < 30; seed++) {
      const r = captionPair({ edit: removeEdit, boxes: [boxes[1]!], width: 300, height: 300, rng: createRng("r", seed) }).regions[0]!;
      expect(r.caption1).toMatch(/dog/i);
      expect(r.caption2).not.toMatch(/dog/i);
      expect(r.difference).toMatch(/dog|animal/);
      expect(r.difference).toMatch(/removed|gone|absent|empty|missing/);
      expect(r.difference).toMatch(/left image/);
    }
  });

  it("uses the scene words for the empty background", () => {
    const texts = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      texts.add(captionPair({ edit: removeEdit, boxes: [boxes[1]!], width: 300, height: 300, rng: createRng("s", seed) }).regions[0]!.caption2);
    }
    expect(texts).toContain("An empty patch of the sunny park.");
    expect(texts).toContain("Nothing but the background.");
  });

  it("rejects a replace edit without a target, naming the source", () => {
    const call = () => captionPair({ edit: { ...replaceEdit, target: null }, boxes, width: 300, height: 300, rng: createRng("x") });
    expect(call).toThrow(ImgDiffError);
    expect(call).toThrow(/target.*dog/);
    try {
      call();
    } catch (error) {
      expect((error as ImgDiffError).code).toBe("CAPTION_TARGET_MISSING");
    }
  });
});
