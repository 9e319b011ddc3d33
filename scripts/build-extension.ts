/**
 * Builds the ComfyUI extension: the node pack's object_info (from the same defineNode
 * declarations the CLI runs) baked into one browser ES module, comfyui/web/js/imgdiff.js, and the
 * editor-format example workflows copied into comfyui/example_workflows/.
 *
 * `npm run build` runs it through tsup.config.ts; `tsx scripts/build-extension.ts [OUT_DIR]`
 * builds the extension alone (tests build into a temporary folder).
 */
import { copyFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Options } from "tsup";
import { defaultRegistry } from "../src/nodes/index.js";
import { PACK_COLORS, type NodePack } from "../src/extension/pack.js";
import { isUiWorkflow } from "../src/graph/ui-workflow.js";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
export const EXTENSION_DIR = join(ROOT, "comfyui");
export const BUNDLE_NAME = "imgdiff.js";
/** The template browser reads editor-format (UI) workflows; `<name>.ui.json` is published as `<name>.json`. */
const UI_SUFFIX = /(\.ui)?\.json$/;

export async function nodePack(): Promise<NodePack> {
  const { version } = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
  return { version, nodes: defaultRegistry().objectInfo(), colors: PACK_COLORS };
}

/** tsup options for the browser bundle; the only file written to outDir is imgdiff.js. */
export function extensionOptions(pack: NodePack, outDir = join(EXTENSION_DIR, "web", "js")): Options {
  return {
    name: "extension",
    entry: { imgdiff: join(ROOT, "src/extension/index.ts") },
    outDir,
    format: ["esm"],
    platform: "browser",
    target: "es2022",
    // ComfyUI imports every .js under the web directory: one file, no chunks, no maps.
    splitting: false,
    sourcemap: false,
    dts: false,
    clean: false,
    minify: true,
    external: ["/scripts/app.js"],
    define: { __IMGDIFF_PACK__: JSON.stringify(pack) },
    outExtension: () => ({ js: ".js" }),
  };
}

/**
 * Copies workflows/<name>.ui.json to example_workflows/<name>.json (the template browser shows
 * the file name). Returns the names copied; none if the UI-format files are not there yet.
 */
export async function copyExampleWorkflows(sourceDir = join(ROOT, "workflows"), targetDir = join(EXTENSION_DIR, "example_workflows")): Promise<string[]> {
  const sources = (await readdir(sourceDir)).filter((f) => f.endsWith(".json")).sort();
  await mkdir(targetDir, { recursive: true });
  const copied: string[] = [];
  for (const file of sources) {
    // Every editor-format workflow (the SDXL ones, and the UI twins of the synthetic ones); API files are not templates.
    if (!isUiWorkflow(JSON.parse(await readFile(join(sourceDir, file), "utf8")))) continue;
    const name = file.replace(UI_SUFFIX, ".json");
    await copyFile(join(sourceDir, file), join(targetDir, name));
    copied.push(name);
  }
  return copied;
}

/**
 * Builds the bundle into outDir and returns its path. Without outDir it builds the comfyui/
 * folder itself: the bundle in web/js and the example workflows.
 */
export async function buildExtension(outDir?: string): Promise<string> {
  const options = extensionOptions(await nodePack(), outDir);
  await rm(join(options.outDir!, BUNDLE_NAME), { force: true });
  await build({ ...options, config: false, silent: true });
  if (outDir === undefined) await copyExampleWorkflows();
  return join(options.outDir!, BUNDLE_NAME);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${await buildExtension(process.argv[2] ? resolve(process.argv[2]) : undefined)}\n`);
}
