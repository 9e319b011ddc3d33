import { parse } from "./args.js";
import { UsageError } from "./usage-error.js";
import { defaultRegistry } from "../nodes/index.js";

export const NODES_USAGE = "imgdiff nodes [--json]";

/** Lists our nodes; --json prints their object_info exactly as ComfyUI's /object_info would. */
export async function nodesCommand(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: "boolean", default: false } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const registry = defaultRegistry();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(registry.objectInfo(), null, 2)}\n`);
    return 0;
  }
  for (const node of registry.list()) {
    const inputs = Object.entries(node.inputs).map(([name, spec]) => `${name}:${spec.kind === "SOCKET" ? spec.type : spec.kind}${spec.optional ? "?" : ""}`);
    const outputs = Object.entries(node.outputs).map(([name, o]) => `${name}:${o.type}`);
    process.stdout.write(`${node.type}${node.outputNode ? " (output)" : ""}  [${node.category}]\n  in:  ${inputs.join(", ")}\n  out: ${outputs.join(", ") || "-"}\n  ${node.description}\n\n`);
  }
  return 0;
}
