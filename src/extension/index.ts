/**
 * Browser entry of the ComfyUI extension (bundled to comfyui/web/js/imgdiff.js). ComfyUI imports
 * every .js file of the pack's web directory as an ES module; `/scripts/app.js` is the
 * frontend's shim module that hands extensions the running app.
 */
// @ts-expect-error ComfyUI serves this module at run time; there are no declarations on disk.
import { app as comfyApp } from "/scripts/app.js";
import type { ComfyApp } from "./comfy-types.js";
import { imgdiffExtension } from "./extension.js";
import type { NodePack } from "./pack.js";
import { showRunNotice } from "./run-notice.js";

/** Replaced with the node pack's JSON by the bundler (scripts/build-extension.ts). */
declare const __IMGDIFF_PACK__: NodePack;

(comfyApp as ComfyApp).registerExtension(imgdiffExtension(__IMGDIFF_PACK__, showRunNotice));
