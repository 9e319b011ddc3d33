/**
 * What the browser extension knows about our node pack. It is computed at build time from
 * `defaultRegistry().objectInfo()` (scripts/build-extension.ts) and baked into the bundle, because
 * the node modules themselves import sharp and node:fs and cannot be loaded in a browser.
 */
import type { ObjectInfo } from "../graph/object-info.js";

export interface NodePack {
  /** Package version, shown in the queue notice so users can match their CLI. */
  readonly version: string;
  /** Every node of the registry in ComfyUI's /object_info format. */
  readonly nodes: ObjectInfo;
  /** One colour pair (title bar, body) for all nodes whose category starts with "ImgDiff". */
  readonly colors: { readonly color: string; readonly bgcolor: string };
}

export const PACK_CATEGORY = "ImgDiff";
export const PACK_COLORS = { color: "#2b5a64", bgcolor: "#1c3b42" } as const;

export function isPackCategory(category: string | undefined): boolean {
  return category === PACK_CATEGORY || (category?.startsWith(`${PACK_CATEGORY}/`) ?? false);
}
