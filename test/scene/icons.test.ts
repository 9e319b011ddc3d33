import { describe, expect, it } from "vitest";
import { ALPHA_FLOOR, iconSprite } from "../../src/scene/icons.js";
import { createLru } from "../../src/scene/lru.js";

describe("icon rasters", () => {
  it("rasterises a lexicon icon to an RGBA square with the faint fringe removed", async () => {
    const sprite = await iconSprite("dog", 96);
    expect(sprite.size).toBe(96);
    expect(sprite.data.length).toBe(96 * 96 * 4);
    let opaque = 0;
    for (let i = 3; i < sprite.data.length; i += 4) {
      const a = sprite.data[i] as number;
      expect(a === 0 || a >= ALPHA_FLOOR).toBe(true);
      if (a === 255) opaque++;
    }
    expect(opaque).toBeGreaterThan(96 * 96 * 0.2);
    expect(await iconSprite("dog", 96)).toBe(sprite); // cached
  });

  it("rejects an icon the lexicon does not use", async () => {
    await expect(iconSprite("grinning-face", 32)).rejects.toMatchObject({ code: "MISSING_ICON" });
  });
});

describe("lru", () => {
  it("evicts the least recently used entries beyond the cost bound", () => {
    const lru = createLru<string>(10);
    lru.set("a", "A", 4);
    lru.set("b", "B", 4);
    expect(lru.get("a")).toBe("A"); // a is now the most recent
    lru.set("c", "C", 4);
    expect(lru.get("b")).toBeUndefined();
    expect([lru.get("a"), lru.get("c"), lru.size, lru.cost]).toEqual(["A", "C", 2, 8]);
    lru.delete("a");
    expect([lru.get("a"), lru.size, lru.cost]).toEqual([undefined, 1, 4]);
    lru.set("big", "X", 50); // larger than the bound: kept alone
    expect([lru.get("big"), lru.size]).toEqual(["X", 1]);
  });
});
