import { describe, expect, it } from "vitest";
import { placeDistractors, placeTarget } from "../../src/scene/layout.js";
import { createRng } from "../../src/util/rng.js";

describe("layout", () => {
  it("keeps distractors clear of the target and lets the frame cut some of them", () => {
    let cut = 0;
    let total = 0;
    for (let seed = 0; seed < 200; seed++) {
      const rng = createRng("layout-test", seed);
      const target = placeTarget(rng, 512);
      const margin = Math.round(0.04 * 512);
      for (const d of placeDistractors(rng, 512, target, 4)) {
        total++;
        const apart =
          d.x + d.size + margin <= target.x || target.x + target.size + margin <= d.x ||
          d.y + d.size + margin <= target.y || target.y + target.size + margin <= d.y;
        expect(apart).toBe(true);
        if (d.x < 0 || d.y < 0 || d.x + d.size > 512 || d.y + d.size > 512) cut++;
        // Never more than half outside: each stays recognisable.
        expect(Math.min(d.x, d.y)).toBeGreaterThanOrEqual(-d.size / 2);
        expect(Math.max(d.x, d.y) + d.size).toBeLessThanOrEqual(512 + d.size / 2);
      }
    }
    expect(total).toBeGreaterThan(600);
    expect(cut / total).toBeGreaterThan(0.2);
    expect(cut / total).toBeLessThan(0.5);
  });
});
