/**
 * Speed and memory of the synthetic scene renderer (not a test: run with
 * `npx tsx scripts/bench-scene.ts [renders]`). Prints ms per sample (base + a + b) at 512 and
 * 1024, with and without perturbation, and the RSS over a long run, which must stay flat.
 * A third argument "nocache" turns libvips' operation cache off, to compare RSS.
 */
import { choosePromptPair } from "../src/captions/prompt-pair.js";
import { iconCacheStats } from "../src/scene/icons.js";
import { randomPerturb } from "../src/scene/perturb.js";
import { renderScene } from "../src/scene/render.js";
import { createRng } from "../src/util/rng.js";

const renders = Number(process.argv[2] ?? 500);
if (process.argv[3] === "nocache") (await import("sharp")).default.cache(false);
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

async function run(size: 512 | 1024, count: number, perturbed: boolean, offset: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const rng = createRng("bench", offset + i);
    const edit = choosePromptPair({ rng, kind: i % 4 === 3 ? "remove" : "replace" });
    await renderScene({ edit, size, seed: offset + i, perturb: perturbed ? randomPerturb(rng.fork("perturb")) : false });
  }
  return (performance.now() - start) / count;
}

const first = performance.now();
await run(512, 1, false, -1);
console.log(`first render (icon set parsed): ${(performance.now() - first).toFixed(0)} ms`);
for (const size of [512, 1024] as const) {
  for (const perturbed of [false, true]) {
    const ms = await run(size, 60, perturbed, size * 10 + (perturbed ? 1000 : 0));
    // The same samples again: every icon raster is now cached, so this is the cost without librsvg.
    const warm = await run(size, 60, perturbed, size * 10 + (perturbed ? 1000 : 0));
    console.log(`${size}px ${perturbed ? "perturbed" : "clean    "}: ${ms.toFixed(1)} ms per sample, ${warm.toFixed(1)} ms with cached icons`);
  }
}
const rss: number[] = [];
for (let i = 0; i < renders; i++) {
  await run(i % 2 ? 1024 : 512, 1, i % 3 === 0, 100_000 + i);
  if (i % Math.max(1, Math.floor(renders / 10)) === 0) rss.push(process.memoryUsage().rss);
}
rss.push(process.memoryUsage().rss);
const cache = iconCacheStats();
console.log(`RSS over ${renders} mixed renders (MB): ${rss.map(mb).join(" ")}`);
console.log(`icon raster cache: ${cache.entries} entries, ${mb(cache.bytes)} MB`);
