/**
 * tsup options for the Node package (dist/): the library with its declarations, the `imgdiff`
 * command, and the entry of the local pool's worker threads (src/run/local-pool.ts looks for
 * local-worker.js next to the chunk it was bundled into). tsup.config.ts uses them for
 * `npm run build`; test/package builds into a scratch folder with them.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Options } from "tsup";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");

export function packageOptions(outDir = join(ROOT, "dist"), declarations = true): Options {
  return {
    name: "package",
    entry: {
      index: join(ROOT, "src/index.ts"),
      "cli/main": join(ROOT, "src/cli/main.ts"),
      "local-worker": join(ROOT, "src/run/local-worker.ts"),
    },
    outDir,
    format: ["esm"],
    target: "node20",
    platform: "node",
    ...(declarations ? { dts: { entry: { index: join(ROOT, "src/index.ts") } } } : { dts: false }),
    sourcemap: true,
    clean: true,
    splitting: true,
  };
}
