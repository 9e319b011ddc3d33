/**
 * zod schemas of ComfyUI's HTTP routes, requests and responses, written from the recorded 0.3.64
 * traffic and the newer servers' additions. Every object is loose: servers add keys often, and
 * an unknown key must never break a client.
 */
import { z } from "zod";
import { ApiPromptSchema } from "../graph/api-prompt.js";

const NodeId = z.string();

// ---- POST /prompt ----------------------------------------------------------------------------

export const PromptRequestSchema = z.looseObject({
  prompt: ApiPromptSchema,
  prompt_id: z.string().optional(),
  client_id: z.string().optional(),
  extra_data: z
    .looseObject({ extra_pnginfo: z.record(z.string(), z.unknown()).optional() })
    .optional(),
  front: z.boolean().optional(),
  number: z.number().optional(),
  partial_execution_targets: z.array(NodeId).optional(),
});
export type PromptRequest = z.infer<typeof PromptRequestSchema>;

export const ErrorObjectSchema = z.looseObject({
  type: z.string(),
  message: z.string(),
  details: z.string().default(""),
  extra_info: z.record(z.string(), z.unknown()).default({}),
});
export type ErrorObject = z.infer<typeof ErrorObjectSchema>;

export const NodeErrorSchema = z.looseObject({
  errors: z.array(ErrorObjectSchema),
  dependent_outputs: z.array(NodeId).default([]),
  class_type: z.string(),
});
export const NodeErrorMapSchema = z.record(NodeId, NodeErrorSchema);
export type NodeErrorMap = z.infer<typeof NodeErrorMapSchema>;

export const PromptResponseSchema = z.looseObject({
  prompt_id: z.string(),
  number: z.number(),
  node_errors: NodeErrorMapSchema.default({}),
});
export type PromptResponse = z.infer<typeof PromptResponseSchema>;

/** 400 bodies carry an error object; newer servers' 403/409 carry a plain string. */
export const PromptErrorBodySchema = z.looseObject({
  error: z.union([ErrorObjectSchema, z.string()]),
  node_errors: NodeErrorMapSchema.optional(),
});
export type PromptErrorBody = z.infer<typeof PromptErrorBodySchema>;

export const PromptInfoSchema = z.looseObject({
  exec_info: z.looseObject({ queue_remaining: z.number() }),
});

// ---- /history ---------------------------------------------------------------------------------

export const ImageRefSchema = z.looseObject({
  filename: z.string(),
  subfolder: z.string().default(""),
  type: z.string().default("output"),
});
export type ImageRef = z.infer<typeof ImageRefSchema>;

/** A node's `ui` dict: `images` is the key we download; any other key is passed through. */
export const NodeOutputSchema = z.looseObject({ images: z.array(ImageRefSchema).optional() });
export type NodeOutput = z.infer<typeof NodeOutputSchema>;

/** `[event, data]` pairs, the same payloads as the WebSocket messages. */
const StatusMessageSchema = z.tuple([z.string(), z.record(z.string(), z.unknown())]);

export const HistoryEntrySchema = z.looseObject({
  prompt: z.array(z.unknown()),
  outputs: z.record(NodeId, NodeOutputSchema).default({}),
  status: z
    .looseObject({
      status_str: z.string(),
      completed: z.boolean(),
      messages: z.array(StatusMessageSchema).default([]),
    })
    .optional(),
  meta: z.record(NodeId, z.unknown()).optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** `{}` while a prompt is unknown or unfinished. */
export const HistoryResponseSchema = z.record(z.string(), HistoryEntrySchema);

export const HistoryPostRequestSchema = z.looseObject({
  clear: z.boolean().optional(),
  delete: z.array(z.string()).optional(),
});

// ---- /queue -----------------------------------------------------------------------------------

/** `[number, prompt_id, prompt, extra_data, outputs_to_execute, ...newer]`. */
export const QueueItemSchema = z
  .tuple([z.number(), z.string(), z.record(z.string(), z.unknown()), z.record(z.string(), z.unknown()), z.array(NodeId)])
  .rest(z.unknown());
export type QueueItem = z.infer<typeof QueueItemSchema>;

export const QueueResponseSchema = z.looseObject({
  queue_running: z.array(QueueItemSchema),
  queue_pending: z.array(QueueItemSchema),
});
export type QueueResponse = z.infer<typeof QueueResponseSchema>;

export const QueuePostRequestSchema = z.looseObject({
  clear: z.boolean().optional(),
  delete: z.array(z.string()).optional(),
});

export const InterruptRequestSchema = z.looseObject({ prompt_id: z.string().optional() });

export const FreeRequestSchema = z.looseObject({
  unload_models: z.boolean().optional(),
  free_memory: z.boolean().optional(),
});

// ---- files ------------------------------------------------------------------------------------

export const UploadResponseSchema = z.looseObject({
  name: z.string(),
  subfolder: z.string().default(""),
  type: z.string().default("input"),
});
export type UploadResponse = z.infer<typeof UploadResponseSchema>;

export const FolderTypeSchema = z.enum(["input", "output", "temp"]);
export type FolderType = z.infer<typeof FolderTypeSchema>;

export const ViewQuerySchema = z.object({
  filename: z.string().min(1),
  subfolder: z.string().default(""),
  type: FolderTypeSchema.default("output"),
  preview: z.string().optional(),
  channel: z.enum(["rgba", "rgb", "a"]).optional(),
});
export type ViewQuery = z.input<typeof ViewQuerySchema>;

// ---- server information -----------------------------------------------------------------------

export const SystemStatsSchema = z.looseObject({
  system: z.looseObject({
    os: z.string(),
    comfyui_version: z.string().optional(),
    python_version: z.string().optional(),
    ram_total: z.number().optional(),
    ram_free: z.number().optional(),
  }),
  devices: z.array(
    z.looseObject({
      name: z.string(),
      type: z.string(),
      index: z.number().nullable().optional(),
      vram_total: z.number().optional(),
      vram_free: z.number().optional(),
    }),
  ),
});
export type SystemStats = z.infer<typeof SystemStatsSchema>;

export const FeaturesSchema = z.record(z.string(), z.unknown());
export const StringListSchema = z.array(z.string());

// ---- /api/jobs (newer servers) ----------------------------------------------------------------

export const JobSchema = z.looseObject({
  id: z.string(),
  /** pending, in_progress, completed, failed, cancelled (kept open: newer states may come). */
  status: z.string(),
  outputs: z.record(NodeId, NodeOutputSchema).optional(),
  execution_status: z.unknown().optional(),
});
export type Job = z.infer<typeof JobSchema>;

export const JobsResponseSchema = z.looseObject({
  jobs: z.array(JobSchema),
  pagination: z.looseObject({
    offset: z.number(),
    limit: z.number().nullable().optional(),
    total: z.number(),
    has_more: z.boolean(),
  }),
});
export type JobsResponse = z.infer<typeof JobsResponseSchema>;

export interface JobsQuery {
  status?: string[];
  workflow_id?: string;
  sort_by?: "created_at" | "execution_duration";
  sort_order?: "asc" | "desc";
  limit?: number;
  offset?: number;
}
