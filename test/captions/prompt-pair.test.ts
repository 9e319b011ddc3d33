import { describe, expect, it } from "vitest";
import { CATEGORIES, findObject, withArticle } from "../../src/captions/lexicon.js";
import { choosePromptPair } from "../../src/captions/prompt-pair.js";
import { SCENES, findScene, sceneStyle, scenesFor } from "../../src/captions/scenes.js";
import { ImgDiffError } from "../../src/errors.js";
import { createRng } from "../../src/util/rng.js";

function errorOf(run: () => unknown): ImgDiffError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImgDiffError);
    return error as ImgDiffError;
  }
  throw new Error("expected an ImgDiffError");
}

describe("choosePromptPair", () => {
  it("replaces an object by a different one of the same category", () => {
    const categories = new Set<string>();
    for (let seed = 0; seed < 300; seed++) {
      const edit = choosePromptPair({ rng: createRng("pp", seed), kind: "replace" });
      const source = findObject(edit.source);
      const target = findObject(edit.target ?? "");
      expect(source?.category).toBe(edit.category);
      expect(target?.category).toBe(edit.category);
      expect(edit.target).not.toBe(edit.source);
      categories.add(edit.category);
    }
    // Categories are drawn uniformly: 300 draws over 37 categories reach nearly all of them.
    expect(categories.size).toBeGreaterThan(CATEGORIES.length * 0.8);
  });

  it("writes SDXL-style prompts with the object in a scene that suits its category", () => {
    const edit = choosePromptPair({ rng: createRng("pp", 1), kind: "replace", source: "dog" });
    const scene = findScene(edit.scene);
    expect(scene).toBeDefined();
    expect(scenesFor("animal")).toContain(scene);
    expect(edit.sourcePrompt).toBe(`a photo of a dog ${scene?.preposition} ${edit.scene}, high quality, detailed`);
    expect(edit.editedPrompt).toBe(`a photo of ${withArticle(edit.target ?? "")} ${scene?.preposition} ${edit.scene}, high quality, detailed`);
  });

  it("for removal, has no target and prompts the scene alone", () => {
    const edit = choosePromptPair({ rng: createRng("pp", 2), kind: "remove", source: "apple" });
    expect(edit).toMatchObject({ kind: "remove", source: "apple", target: null, category: "fruit" });
    expect(edit.sourcePrompt).toContain("an apple");
    expect(edit.editedPrompt).toBe(`a photo of ${edit.scene}, high quality, detailed`);
  });

  it("keeps to the requested category", () => {
    for (let seed = 0; seed < 20; seed++) {
      const edit = choosePromptPair({ rng: createRng("pp", seed), kind: "replace", category: "vehicle" });
      expect(edit.category).toBe("vehicle");
      expect(findObject(edit.source)?.category).toBe("vehicle");
    }
  });

  it("is deterministic for a seed", () => {
    const one = choosePromptPair({ rng: createRng("pp", 7), kind: "replace", category: "any" });
    const two = choosePromptPair({ rng: createRng("pp", 7), kind: "replace", category: "any" });
    const other = choosePromptPair({ rng: createRng("pp", 8), kind: "replace", category: "any" });
    expect(two).toEqual(one);
    expect(other).not.toEqual(one);
  });

  it("rejects an unknown category, naming the valid ones", () => {
    const error = errorOf(() => choosePromptPair({ rng: createRng(1), kind: "replace", category: "spaceships" }));
    expect(error.code).toBe("UNKNOWN_CATEGORY");
    expect(error.message).toContain('"spaceships"');
    expect(error.message).toContain('"any"');
    expect(error.message).toContain("vehicle");
  });

  it("rejects an unknown forced object, suggesting close names", () => {
    const error = errorOf(() => choosePromptPair({ rng: createRng(1), kind: "replace", source: "police dog" }));
    expect(error.code).toBe("UNKNOWN_OBJECT");
    expect(error.message).toContain('"police dog"');
    expect(error.message).toMatch(/"(dog|police car)"/);
  });

  it("rejects a forced object of another category", () => {
    const error = errorOf(() => choosePromptPair({ rng: createRng(1), kind: "remove", category: "fruit", source: "dog" }));
    expect(error.code).toBe("CATEGORY_MISMATCH");
    expect(error.message).toContain('"animal"');
  });
});

describe("scenes", () => {
  it("has about 30 distinct places and a suitable one for every category", () => {
    expect(SCENES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(SCENES.map((s) => s.place)).size).toBe(SCENES.length);
    for (const category of CATEGORIES) expect(scenesFor(category).length, category).toBeGreaterThan(0);
  });

  it("styles a known place by its template and any other text by a stable hash", () => {
    expect(sceneStyle("A Grassy Park")).toBe(findScene("a grassy park")?.style);
    const style = sceneStyle("my grandmother's attic");
    expect(SCENES.map((s) => s.style)).toContain(style);
    expect(sceneStyle("my grandmother's attic")).toBe(style);
  });
});
