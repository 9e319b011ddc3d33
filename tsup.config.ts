import { defineConfig } from "tsup";
import { copyExampleWorkflows, extensionOptions, nodePack } from "./scripts/build-extension.js";
import { packageOptions } from "./scripts/build-package.js";

export default defineConfig(async () => [
  packageOptions(),
  // The ComfyUI browser extension: comfyui/web/js/imgdiff.js and comfyui/example_workflows/.
  {
    ...extensionOptions(await nodePack()),
    onSuccess: async () => {
      const copied = await copyExampleWorkflows();
      if (copied.length === 0) console.warn("extension: no workflows/*.ui.json, so comfyui/example_workflows/ is empty");
    },
  },
]);
