/**
 * ComfyUI's API ("prompt") format: `{ "<id>": { class_type, inputs, _meta? } }`, where an input
 * is a constant or a link `["<origin id>", <slot>]`. A value is a link only if it is a list of
 * two whose first element is a string and second a number (the server's own rule).
 */
import { z } from "zod";
import { SEED_CONTROLS } from "../nodes/inputs.js";

export type Link = readonly [nodeId: string, slot: number];

export const ApiNodeSchema = z.looseObject({
  class_type: z.string({ error: "class_type must be a string" }),
  inputs: z.record(z.string(), z.unknown()).default({}),
  _meta: z
    .looseObject({
      title: z.string().optional(),
      /** Headless runs only: the seed widgets' control modes, which the API format lacks. */
      control_after_generate: z.record(z.string(), z.enum(SEED_CONTROLS as [string, ...string[]])).optional(),
    })
    .optional(),
});
export type ApiNode = z.infer<typeof ApiNodeSchema>;

export const ApiPromptSchema = z.record(z.string(), ApiNodeSchema);
export type ApiPrompt = z.infer<typeof ApiPromptSchema>;

export function isLink(value: unknown): value is Link {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === "string" &&
    typeof value[1] === "number" &&
    Number.isFinite(value[1])
  );
}

/** A constant as the server reads it: a list sent as data is wrapped `{"__value__": [...]}`. */
export function unwrapValue(value: unknown): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "__value__" in value ? (value as { __value__: unknown }).__value__ : value;
}
