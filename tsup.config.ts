import { defineConfig } from "tsup";
import { copyExampleWorkflows, extensionOptions, nodePack } from "./scripts/build-extension.js";

export default defineConfig(async () => [
  {
    entry: { index: "src/index.ts", "cli/main": "src/cli/main.ts" },
    format: ["esm"],
    target: "node20",
    platform: "node",
    dts: { entry: { index: "src/index.ts" } },
    sourcemap: true,
    clean: true,
    splitting: true,
  },
  // The ComfyUI browser extension: comfyui/web/js/imgdiff.js and comfyui/example_workflows/.
  {
    ...extensionOptions(await nodePack()),
    onSuccess: async () => {
      const copied = await copyExampleWorkflows();
      if (copied.length === 0) console.warn("extension: no workflows/*.ui.json, so comfyui/example_workflows/ is empty");
    },
  },
]);
