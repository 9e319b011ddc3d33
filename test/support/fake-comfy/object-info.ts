/**
 * /object_info as the server builds it live: LoadImage-style upload combos list the input
 * folder's images, checkpoint combos list the configured models.
 */
import type { NodeDefWire } from "../../../src/graph/object-info.js";
import { listInputImages, type Folders } from "./folders.js";

export function liveObjectInfo(base: Record<string, NodeDefWire>, folders: Folders, checkpoints: readonly string[]): Record<string, NodeDefWire> {
  let images: string[] | undefined;
  const out: Record<string, NodeDefWire> = {};
  for (const [name, def] of Object.entries(base)) {
    let patched = def;
    for (const group of ["required", "optional"] as const) {
      const inputs = def.input[group];
      if (!inputs) continue;
      for (const [input, wire] of Object.entries(inputs)) {
        if (!Array.isArray(wire[0])) continue;
        const options = wire[1] ?? {};
        let list: string[] | undefined;
        if (options["image_upload"] === true) list = images ??= listInputImages(folders);
        else if (input === "ckpt_name") list = [...checkpoints];
        if (!list) continue;
        if (patched === def) patched = structuredClone(def);
        patched.input[group]![input] = wire.length > 1 ? [list, options] : [list];
      }
    }
    out[name] = patched;
  }
  return out;
}
