/**
 * ComfyUI's binary WebSocket frames: a big-endian u32 event type, then
 * - 1 PREVIEW_IMAGE: u32 image type (1 JPEG, 2 PNG), image bytes (also SaveImageWebsocket outputs);
 * - 3 TEXT: u32 node-id length, node id, UTF-8 text;
 * - 4 PREVIEW_IMAGE_WITH_METADATA: u32 metadata length, metadata JSON, image bytes.
 * Offsets are read from the frame, not assumed (other clients read the image type at byte 1).
 */
import { z } from "zod";

export const PreviewMetadataSchema = z.looseObject({
  node_id: z.string(),
  prompt_id: z.string(),
  display_node_id: z.string().nullable().optional(),
  parent_node_id: z.string().nullable().optional(),
  real_node_id: z.string().nullable().optional(),
  image_type: z.string(),
});
export type PreviewMetadata = z.infer<typeof PreviewMetadataSchema>;

export type BinaryFrame =
  | { kind: "preview"; mime: string; bytes: Uint8Array }
  | { kind: "preview_with_metadata"; mime: string; metadata: PreviewMetadata; bytes: Uint8Array }
  | { kind: "text"; nodeId: string; text: string }
  | { kind: "unknown"; eventType: number; bytes: Uint8Array };

const IMAGE_TYPES: Record<number, string> = { 1: "image/jpeg", 2: "image/png" };
const utf8 = new TextDecoder("utf-8");

/** Parses one binary frame; malformed frames come back as `unknown` (never throws). */
export function parseBinaryFrame(frame: Uint8Array): BinaryFrame {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.byteLength < 4) return { kind: "unknown", eventType: -1, bytes: frame };
  const eventType = view.getUint32(0, false);
  const unknown: BinaryFrame = { kind: "unknown", eventType, bytes: frame };
  if (eventType === 1) {
    if (frame.byteLength < 8) return unknown;
    const imageType = view.getUint32(4, false);
    return { kind: "preview", mime: IMAGE_TYPES[imageType] ?? "application/octet-stream", bytes: frame.subarray(8) };
  }
  if (eventType === 3) {
    if (frame.byteLength < 8) return unknown;
    const idLength = view.getUint32(4, false);
    if (8 + idLength > frame.byteLength) return unknown;
    return {
      kind: "text",
      nodeId: utf8.decode(frame.subarray(8, 8 + idLength)),
      text: utf8.decode(frame.subarray(8 + idLength)),
    };
  }
  if (eventType === 4) {
    if (frame.byteLength < 8) return unknown;
    const metaLength = view.getUint32(4, false);
    if (8 + metaLength > frame.byteLength) return unknown;
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(frame.subarray(8, 8 + metaLength)));
    } catch {
      return unknown;
    }
    const metadata = PreviewMetadataSchema.safeParse(json);
    if (!metadata.success) return unknown;
    return {
      kind: "preview_with_metadata",
      mime: metadata.data.image_type,
      metadata: metadata.data,
      bytes: frame.subarray(8 + metaLength),
    };
  }
  return unknown;
}

/** Builds a frame (the inverse of parseBinaryFrame), for tests and fake servers. */
export function encodeBinaryFrame(frame: Exclude<BinaryFrame, { kind: "unknown" }>): Uint8Array {
  const encoder = new TextEncoder();
  const head = (type: number, second: number, extra: Uint8Array, body: Uint8Array): Uint8Array => {
    const out = new Uint8Array(8 + extra.byteLength + body.byteLength);
    const view = new DataView(out.buffer);
    view.setUint32(0, type, false);
    view.setUint32(4, second, false);
    out.set(extra, 8);
    out.set(body, 8 + extra.byteLength);
    return out;
  };
  if (frame.kind === "preview") {
    return head(1, frame.mime === "image/png" ? 2 : 1, new Uint8Array(0), frame.bytes);
  }
  if (frame.kind === "text") {
    const id = encoder.encode(frame.nodeId);
    return head(3, id.byteLength, id, encoder.encode(frame.text));
  }
  const meta = encoder.encode(JSON.stringify(frame.metadata));
  return head(4, meta.byteLength, meta, frame.bytes);
}
