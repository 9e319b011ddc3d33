import { describe, expect, it } from "vitest";
import { dynamicPrompt, filenamePrefix } from "../../src/graph/queue-transforms.js";
import { createRng } from "../../src/util/rng.js";

describe("dynamicPrompt", () => {
  it("drops comments and picks one option per group, innermost first, reproducibly", () => {
    const text = "a {red|blue|{dark|light} green} car /* not this */ on a road // nor this\nat {dawn|dusk}";
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const out = dynamicPrompt(text, createRng(1, "6", i, "dynamic-prompt:text"));
      expect(out).toMatch(/^a (red|blue|dark green|light green) car  on a road \nat (dawn|dusk)$/);
      expect(out).toBe(dynamicPrompt(text, createRng(1, "6", i, "dynamic-prompt:text")));
      seen.add(out);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it("a URL loses its tail as in the editor; text without groups is unchanged", () => {
    expect(dynamicPrompt("see https://example.com now", createRng(0))).toBe("see https:");
    expect(dynamicPrompt("a plain prompt", createRng(0))).toBe("a plain prompt");
  });
});

describe("filenamePrefix", () => {
  const prompt = {
    "5": { class_type: "EmptyLatentImage", inputs: { width: 1024, height: 768, batch_size: 1 } },
    "9": { class_type: "SaveImage", inputs: { images: ["8", 0], filename_prefix: "x" }, _meta: { title: "Keep" } },
  };
  const now = new Date(2026, 10, 6, 7, 5, 9);
  it("fills %date:...% and %Title.widget%, by saved title or display name", () => {
    expect(filenamePrefix("run/%date:yyyy-MM-dd%/%date:hh.mm.ss%_%date:yy M d h m s%", prompt, now)).toBe("run/2026-11-06/07.05.09_26 11 6 7 5 9");
    expect(filenamePrefix("%Empty Latent Image.width%x%Empty Latent Image.height%_%Keep.filename_prefix%", prompt, now, (t) => (t === "EmptyLatentImage" ? "Empty Latent Image" : undefined))).toBe("1024x768_x");
    expect(filenamePrefix("%Nobody.width%_100%", prompt, now)).toBe("%Nobody.width%_100%");
  });
});
