/**
 * ComfyUI's node-definition wire format (GET /object_info, V1 style), as data. Validation of
 * graphs works on this format, so our nodes and a server's nodes are checked by the same rules.
 */
import { z } from "zod";

/** `["INT", {...}]`, `[["a","b"], {...}]`, `["COMBO", {options: [...]}]`, or `["IMAGE"]`. */
export const InputWireSchema = z.union([
  z.tuple([z.union([z.string(), z.array(z.unknown())])]),
  z.tuple([z.union([z.string(), z.array(z.unknown())]), z.record(z.string(), z.unknown())]),
]);
export type InputWire = z.infer<typeof InputWireSchema>;

export const NodeDefWireSchema = z.looseObject({
  input: z.looseObject({
    required: z.record(z.string(), InputWireSchema).optional(),
    optional: z.record(z.string(), InputWireSchema).optional(),
    hidden: z.record(z.string(), z.unknown()).optional(),
  }),
  input_order: z
    .looseObject({ required: z.array(z.string()).optional(), optional: z.array(z.string()).optional() })
    .optional(),
  output: z.array(z.union([z.string(), z.array(z.unknown())])),
  output_is_list: z.array(z.boolean()).optional(),
  output_name: z.array(z.string()).optional(),
  output_tooltips: z.array(z.string().nullable()).optional(),
  name: z.string(),
  display_name: z.string().nullable().optional(),
  description: z.string().optional(),
  python_module: z.string().optional(),
  category: z.string().optional(),
  output_node: z.boolean().optional(),
});
export type NodeDefWire = z.infer<typeof NodeDefWireSchema>;

export const ObjectInfoSchema = z.record(z.string(), NodeDefWireSchema);
export type ObjectInfo = Record<string, NodeDefWire>;

/** The declared type of an input: a type name, or the list of allowed combo values. */
export function declaredType(wire: InputWire): string | readonly unknown[] {
  const [head, options] = wire;
  if (head === "COMBO" && options && Array.isArray(options["options"])) return options["options"] as unknown[];
  return head as string | readonly unknown[];
}

export function inputOptions(wire: InputWire): Readonly<Record<string, unknown>> {
  return wire[1] ?? {};
}

/** Type name of output slot `slot`, a combo output being "COMBO". */
export function outputType(def: NodeDefWire, slot: number): string | undefined {
  const type = def.output[slot];
  if (type === undefined) return undefined;
  return Array.isArray(type) ? "COMBO" : type;
}
