/** A set of node definitions, keyed by class type, and their object_info. */
import type { NodeDefinition } from "./define.js";
import { objectInfoOf } from "./object-info.js";
import type { ObjectInfo } from "../graph/object-info.js";

export interface NodeRegistry {
  get(type: string): NodeDefinition | undefined;
  has(type: string): boolean;
  list(): readonly NodeDefinition[];
  /** Adds a node; a second node with the same type is an error. */
  register(node: NodeDefinition): void;
  /** Every node's definition in ComfyUI's /object_info wire format. */
  objectInfo(): ObjectInfo;
}

export function createRegistry(nodes: readonly NodeDefinition[] = []): NodeRegistry {
  const byType = new Map<string, NodeDefinition>();
  let info: ObjectInfo | undefined;
  const registry: NodeRegistry = {
    get: (type) => byType.get(type),
    has: (type) => byType.has(type),
    list: () => [...byType.values()],
    register(node) {
      if (byType.has(node.type)) throw new Error(`node type ${node.type} is registered twice`);
      byType.set(node.type, node);
      info = undefined;
    },
    objectInfo() {
      info ??= Object.fromEntries([...byType.values()].map((node) => [node.type, objectInfoOf(node)]));
      return info;
    },
  };
  for (const node of nodes) registry.register(node);
  return registry;
}
