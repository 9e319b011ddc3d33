/**
 * zod schemas of ComfyUI's WebSocket JSON messages (`{"type": T, "data": D}`). Unknown types,
 * and known types whose data no longer matches, come back as `{type: "unknown"}` instead of
 * failing: servers add message types and fields all the time.
 */
import { z } from "zod";
import { ImageRefSchema } from "./http-schemas.js";

const NodeId = z.string();
const PromptId = z.string();

const NodeProgressSchema = z.looseObject({
  value: z.number(),
  max: z.number(),
  state: z.string(),
  node_id: NodeId.optional(),
  prompt_id: PromptId.optional(),
  display_node_id: NodeId.nullable().optional(),
  parent_node_id: NodeId.nullable().optional(),
  real_node_id: NodeId.nullable().optional(),
});
export type NodeProgress = z.infer<typeof NodeProgressSchema>;

export const WsDataSchemas = {
  status: z.looseObject({
    status: z.looseObject({ exec_info: z.looseObject({ queue_remaining: z.number() }) }).optional(),
    sid: z.string().optional(),
  }),
  feature_flags: z.record(z.string(), z.unknown()),
  execution_start: z.looseObject({ prompt_id: PromptId, timestamp: z.number().optional() }),
  execution_cached: z.looseObject({ prompt_id: PromptId, nodes: z.array(NodeId), timestamp: z.number().optional() }),
  /** `node: null` + prompt_id = the prompt is done; no prompt_id = the replay after a reconnect. */
  executing: z.looseObject({
    node: NodeId.nullable(),
    display_node: NodeId.nullable().optional(),
    prompt_id: PromptId.optional(),
  }),
  progress: z.looseObject({
    value: z.number(),
    max: z.number(),
    prompt_id: PromptId.optional(),
    node: NodeId.nullable().optional(),
  }),
  progress_state: z.looseObject({ prompt_id: PromptId, nodes: z.record(NodeId, NodeProgressSchema) }),
  executed: z.looseObject({
    node: NodeId,
    display_node: NodeId.optional(),
    output: z.looseObject({ images: z.array(ImageRefSchema).optional() }).nullable(),
    prompt_id: PromptId,
    merge: z.boolean().optional(),
  }),
  execution_success: z.looseObject({ prompt_id: PromptId, timestamp: z.number().optional() }),
  execution_error: z.looseObject({
    prompt_id: PromptId,
    node_id: NodeId,
    node_type: z.string(),
    executed: z.array(NodeId).default([]),
    exception_message: z.string(),
    exception_type: z.string(),
    traceback: z.array(z.string()).default([]),
    current_inputs: z.unknown().optional(),
    current_outputs: z.unknown().optional(),
    timestamp: z.number().optional(),
  }),
  execution_interrupted: z.looseObject({
    prompt_id: PromptId,
    node_id: NodeId.nullable().optional(),
    node_type: z.string().nullable().optional(),
    executed: z.array(NodeId).default([]),
    timestamp: z.number().optional(),
  }),
  logs: z.looseObject({
    entries: z.array(z.looseObject({ t: z.string(), m: z.string() })),
    size: z.looseObject({ cols: z.number(), rows: z.number() }).nullable().optional(),
  }),
} as const;

type Schemas = typeof WsDataSchemas;
export type WsMessageType = keyof Schemas;
export type WsData<T extends WsMessageType> = z.infer<Schemas[T]>;
export type KnownWsMessage = { [T in WsMessageType]: { type: T; data: WsData<T> } }[WsMessageType];
/** A message we do not model (or whose data did not match): kept, never fatal. */
export interface UnknownWsMessage {
  type: "unknown";
  originalType: string;
  data: unknown;
}
export type WsMessage = KnownWsMessage | UnknownWsMessage;

const EnvelopeSchema = z.looseObject({ type: z.string(), data: z.unknown() });

/** Parses a text frame; `null` when the frame is not a `{type, data}` JSON object at all. */
export function parseWsText(text: string): WsMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) return null;
  const { type, data } = envelope.data;
  const schema = Object.hasOwn(WsDataSchemas, type) ? WsDataSchemas[type as WsMessageType] : undefined;
  if (!schema) return { type: "unknown", originalType: type, data };
  const parsed = schema.safeParse(data);
  if (!parsed.success) return { type: "unknown", originalType: type, data };
  return { type, data: parsed.data } as KnownWsMessage;
}

/** The prompt a message is about, if it says. */
export function promptIdOf(message: WsMessage): string | undefined {
  if (message.type === "unknown" || message.type === "status" || message.type === "feature_flags" || message.type === "logs") {
    return undefined;
  }
  return message.data.prompt_id;
}
