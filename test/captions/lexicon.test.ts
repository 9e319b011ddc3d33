import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { CATEGORIES, LEXICON, findObject, objectsIn, withArticle } from "../../src/captions/lexicon.js";
import { ImgDiffError } from "../../src/errors.js";

const iconSet = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@iconify-json/fluent-emoji-flat/icons.json"), "utf8"),
) as { icons: Record<string, { body: string }> };

describe("lexicon", () => {
  it("names at least 300 objects, each drawn by an icon of the set", () => {
    expect(LEXICON.length).toBeGreaterThanOrEqual(300);
    const missing = LEXICON.filter((e) => typeof iconSet.icons[e.icon]?.body !== "string").map((e) => e.icon);
    expect(missing).toEqual([]);
  });

  it("has unique names and unique icons, so a replacement always changes the picture", () => {
    expect(new Set(LEXICON.map((e) => e.name)).size).toBe(LEXICON.length);
    expect(new Set(LEXICON.map((e) => e.icon)).size).toBe(LEXICON.length);
  });

  it("has at least 12 categories of at least 4 objects, and every entry is in one of them", () => {
    expect(CATEGORIES.length).toBeGreaterThanOrEqual(12);
    for (const category of CATEGORIES) expect(objectsIn(category).length, category).toBeGreaterThanOrEqual(4);
    expect(CATEGORIES.reduce((n, c) => n + objectsIn(c).length, 0)).toBe(LEXICON.length);
  });

  it("writes names as captions do: lower case, single spaces, no leading article", () => {
    for (const { name } of LEXICON) {
      expect(name).toMatch(/^[a-z0-9][a-z0-9' -]*[a-z0-9]$/);
      expect(name).not.toMatch(/ {2}|^(a|an|the) /);
    }
  });

  it("uses no icon of a face, person, hand, symbol, sign, flag or clock face", () => {
    const forbidden = /(^|-)(face|man|woman|person|people|hand|symbol|sign|button|keycap|heart|oclock|thirty)(-|$)|-flag$/;
    // Objects whose icon id merely mentions a hand or a flag.
    const objects = new Set(["folding-hand-fan", "closed-mailbox-with-raised-flag"]);
    expect(LEXICON.filter((e) => forbidden.test(e.icon) && !objects.has(e.icon)).map((e) => e.icon)).toEqual([]);
  });

  it("finds objects by name regardless of case and surrounding space", () => {
    expect(findObject("  Fire Engine ")).toMatchObject({ name: "fire engine", category: "vehicle" });
    expect(findObject("spaceship")).toBeUndefined();
  });

  it("rejects an unknown category with the list of valid ones", () => {
    try {
      objectsIn("spaceship");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImgDiffError);
      expect((error as ImgDiffError).code).toBe("UNKNOWN_CATEGORY");
      expect((error as Error).message).toContain("spaceship");
      expect((error as Error).message).toContain("animal, reptile");
    }
  });

  it("puts the right indefinite article before a name", () => {
    expect(withArticle("apple")).toBe("an apple");
    expect(withArticle("dog")).toBe("a dog");
    expect(withArticle("unicorn")).toBe("a unicorn");
    expect(withArticle("suv")).toBe("an suv");
    expect(withArticle("hourglass")).toBe("an hourglass");
    expect(withArticle("euro banknote")).toBe("a euro banknote");
    expect(withArticle("umbrella")).toBe("an umbrella");
    expect(withArticle("orange thing")).toBe("an orange thing");
  });
});
