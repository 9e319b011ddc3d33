/** Every node class the fake server executes; other classes in object_info fail at run time. */
import { imageNodes } from "./image-nodes.js";
import { ioNodes } from "./io-nodes.js";
import { maskNodes } from "./mask-nodes.js";
import { sdxlNodes } from "./sdxl-nodes.js";
import type { NodeImpl } from "./types.js";

export const NODES: Readonly<Record<string, NodeImpl>> = { ...ioNodes, ...imageNodes, ...maskNodes, ...sdxlNodes };

export type { NodeContext, NodeImpl, NodeResult } from "./types.js";
