// The client's schemas against traffic recorded from a real ComfyUI 0.3.64 server.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ObjectInfoSchema, declaredType } from "../../src/graph/object-info.js";
import { encodeBinaryFrame, parseBinaryFrame } from "../../src/client/binary-frames.js";
import {
  FeaturesSchema,
  HistoryResponseSchema,
  PromptErrorBodySchema,
  PromptInfoSchema,
  PromptResponseSchema,
  QueueResponseSchema,
  SystemStatsSchema,
  UploadResponseSchema,
} from "../../src/client/http-schemas.js";
import { ComfyValidationError } from "../../src/client/errors.js";
import { parseWsText } from "../../src/client/ws-messages.js";

const root = join(import.meta.dirname, "../fixtures/comfyui-0.3.64");
const load = (path: string): any => JSON.parse(readFileSync(join(root, path), "utf8"));
const runs = ["basic", "cached", "multi", "error-blend", "interrupt", "no-client-id", "feature-flags"];

describe("HTTP response schemas on recorded bodies", () => {
  it("parses every recorded history entry, with outputs and status messages", () => {
    for (const run of runs.filter((r) => r !== "feature-flags")) {
      const body = load(`runs/${run}/history.json`).response.body;
      const history = HistoryResponseSchema.parse(body);
      const [entry] = Object.values(history);
      expect(entry?.status?.messages.length, run).toBeGreaterThan(0);
    }
    const multi = Object.values(HistoryResponseSchema.parse(load("runs/multi/history.json").response.body))[0]!;
    expect(Object.keys(multi.outputs).sort()).toEqual(["18", "19"]);
    expect(multi.outputs["19"]?.images?.[0]?.type).toBe("temp");
    const interrupted = Object.values(HistoryResponseSchema.parse(load("runs/interrupt/history.json").response.body))[0]!;
    expect(interrupted.status?.status_str).toBe("error");
    expect(interrupted.outputs).toEqual({});
  });

  it("parses queues with running and pending 5-tuples, and keeps extra tuple elements", () => {
    const queue = QueueResponseSchema.parse(load("queue/queue-1-running-3-pending.json").response.body);
    expect(queue.queue_running).toHaveLength(1);
    expect(queue.queue_pending.map((item) => item[0]).sort((a, b) => a - b)).toEqual([-37, 35, 36]);
    expect(QueueResponseSchema.parse(load("queue.json"))).toEqual({ queue_running: [], queue_pending: [] });
    const sixTuple = QueueResponseSchema.parse({ queue_running: [[1, "id", {}, {}, ["9"], { sensitive: true }]], queue_pending: [] });
    expect(sixTuple.queue_running[0]).toHaveLength(6);
    expect(PromptInfoSchema.parse(load("queue/prompt-GET-while-busy.json").response.body).exec_info.queue_remaining).toBe(4);
  });

  it("parses every recorded POST /prompt answer: 200 bodies as responses, 400 bodies as typed validation errors", () => {
    const files = readdirSync(join(root, "validation")).filter((f) => !f.endsWith("-history.json"));
    let ok = 0;
    let rejected = 0;
    for (const file of files) {
      const { response } = load(`validation/${file}`);
      if (response.status === 200) {
        PromptResponseSchema.parse(response.body);
        ok++;
      } else if (response.status === 400) {
        const error = new ComfyValidationError(PromptErrorBodySchema.parse(response.body));
        expect(error.code).toBe("comfy_validation");
        expect(error.errorType, file).toMatch(/^(invalid_prompt|no_prompt|prompt_no_outputs|prompt_outputs_failed_validation)$/);
        rejected++;
      }
    }
    expect(ok).toBeGreaterThanOrEqual(4);
    expect(rejected).toBeGreaterThanOrEqual(20);
  });

  it("names the failing node and class in a validation error", () => {
    const body = PromptErrorBodySchema.parse(load("validation/value-not-in-combo-list.json").response.body);
    const error = new ComfyValidationError(body);
    const [id, entry] = Object.entries(error.nodeErrors)[0]!;
    expect(entry.class_type).toBe("ImageScale");
    expect(error.message).toContain(`node ${id} (ImageScale)`);
    expect(error.message).toContain("supersample");
  });

  it("keeps node_errors of a partial accept (200)", () => {
    const body = PromptResponseSchema.parse(load("validation/partial-one-output-valid-one-invalid.json").response.body);
    expect(Object.keys(body.node_errors).length).toBeGreaterThan(0);
  });

  it("parses uploads, system_stats and features", () => {
    expect(UploadResponseSchema.parse(load("upload-image-response.json").response.body)).toEqual({ name: "trial-src.png", subfolder: "", type: "input" });
    expect(UploadResponseSchema.parse(load("uploads/upload-image-same-name-different-bytes.json").response.body).name).toBe("trial-src (1).png");
    expect(SystemStatsSchema.parse(load("system_stats.json")).system.comfyui_version).toBe("0.3.64");
    expect(FeaturesSchema.parse(load("features.json"))["max_upload_size"]).toBe(104857600);
  });
});

describe("object_info", () => {
  it("accepts both combo styles: list combos and [\"COMBO\", {options}]", () => {
    const info = ObjectInfoSchema.parse(load("object_info.json"));
    expect(Object.keys(info)).toHaveLength(382);
    const channel = info["LoadImageMask"]!.input.required!["channel"]!;
    expect(declaredType(channel)).toEqual(["alpha", "red", "green", "blue"]);
    const blendMode = info["ImageBlend"]!.input.required!["blend_mode"]!;
    expect(blendMode[0]).toBe("COMBO");
    expect(declaredType(blendMode)).toContain("multiply");
    expect(Object.values(info).some((def) => def.display_name === null)).toBe(true);
  });
});

describe("WebSocket messages", () => {
  it("parses every recorded message as a known type with its fields", () => {
    let count = 0;
    for (const run of runs) {
      for (const entry of load(`runs/${run}/transcript.json`).entries) {
        if (entry.kind !== "ws_recv_text") continue;
        const message = parseWsText(JSON.stringify(entry.message));
        expect(message?.type, `${run} #${entry.seq} ${entry.message.type}`).toBe(entry.message.type);
        count++;
      }
    }
    expect(count).toBeGreaterThan(60);
  });

  it("reads the done signal, errors and interrupts from the recordings", () => {
    const basic = load("runs/basic/transcript.json").entries.filter((e: any) => e.kind === "ws_recv_text");
    const last = parseWsText(JSON.stringify(basic.at(-1).message));
    expect(last).toMatchObject({ type: "executing", data: { node: null } });
    const error = load("runs/error-blend/transcript.json")
      .entries.map((e: any) => e.message && parseWsText(JSON.stringify(e.message)))
      .find((m: any) => m?.type === "execution_error");
    expect(error.data).toMatchObject({ node_id: "3", node_type: "ImageBlend", exception_type: "RuntimeError" });
    expect(error.data.traceback.length).toBeGreaterThan(0);
  });

  it("tolerates unknown types, changed shapes, extra fields and garbage", () => {
    expect(parseWsText(JSON.stringify({ type: "notification", data: { value: "hi" } }))).toEqual({
      type: "unknown",
      originalType: "notification",
      data: { value: "hi" },
    });
    expect(parseWsText(JSON.stringify({ type: "progress", data: { value: "x" } }))?.type).toBe("unknown");
    const extra = parseWsText(JSON.stringify({ type: "execution_success", data: { prompt_id: "p", timestamp: 1, future: [1] } }));
    expect(extra).toEqual({ type: "execution_success", data: { prompt_id: "p", timestamp: 1, future: [1] } });
    expect(parseWsText("not json")).toBeNull();
    expect(parseWsText("[1,2]")).toBeNull();
  });
});

describe("binary frames", () => {
  const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

  it("reads the image type of a type-1 frame at byte 4", () => {
    const frame = new Uint8Array([0, 0, 0, 1, 0, 0, 0, 2, ...image]);
    expect(parseBinaryFrame(frame)).toEqual({ kind: "preview", mime: "image/png", bytes: image });
    expect(parseBinaryFrame(new Uint8Array([0, 0, 0, 1, 0, 0, 0, 1, 0xff]))).toMatchObject({ mime: "image/jpeg" });
  });

  it("reads type-3 progress text and type-4 previews with metadata", () => {
    expect(parseBinaryFrame(encodeBinaryFrame({ kind: "text", nodeId: "12", text: "step 3/20 é" }))).toEqual({ kind: "text", nodeId: "12", text: "step 3/20 é" });
    const metadata = { node_id: "3", prompt_id: "p", display_node_id: "3", parent_node_id: null, real_node_id: "3", image_type: "image/jpeg" };
    const parsed = parseBinaryFrame(encodeBinaryFrame({ kind: "preview_with_metadata", mime: "image/jpeg", metadata, bytes: image }));
    expect(parsed).toEqual({ kind: "preview_with_metadata", mime: "image/jpeg", metadata, bytes: image });
  });

  it("returns malformed and unknown frames as unknown instead of throwing", () => {
    expect(parseBinaryFrame(new Uint8Array([0, 0])).kind).toBe("unknown");
    expect(parseBinaryFrame(new Uint8Array([0, 0, 0, 4, 0, 0, 0, 99, 1])).kind).toBe("unknown");
    expect(parseBinaryFrame(new Uint8Array([0, 0, 0, 4, 0, 0, 0, 1, 0x7b])).kind).toBe("unknown");
    expect(parseBinaryFrame(new Uint8Array([0, 0, 0, 9, 1, 2, 3, 4]))).toMatchObject({ kind: "unknown", eventType: 9 });
  });
});
