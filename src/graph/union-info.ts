/**
 * The node definitions a workflow is checked against: our registry's and a server's (live, or a
 * saved object_info file) together. Where both define a type, the later source wins, since it
 * says what is actually installed there.
 */
import type { ObjectInfo } from "./object-info.js";

export function unionObjectInfo(...sources: readonly ObjectInfo[]): ObjectInfo {
  const union: ObjectInfo = {};
  for (const source of sources) Object.assign(union, source);
  return union;
}
