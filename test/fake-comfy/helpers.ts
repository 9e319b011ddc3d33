/** Shared test helpers: fixtures, a WebSocket recorder, id/timestamp normalisation, uploads. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import WebSocket from "ws";

export const FIXTURES = join(import.meta.dirname, "../fixtures/comfyui-0.3.64");

export function fixture<T = any>(rel: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, rel), "utf8")) as T;
}

export interface WsMessage {
  type: string;
  data: any;
}

export interface Recorder {
  readonly messages: WsMessage[];
  readonly binary: Buffer[];
  readonly ws: WebSocket;
  /** Resolves with the first message (from the start) matching. */
  waitFor(match: (m: WsMessage) => boolean): Promise<WsMessage>;
  close(): Promise<void>;
}

export async function record(url: string, clientId?: string, firstFrame?: unknown): Promise<Recorder> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws${clientId === undefined ? "" : `?clientId=${clientId}`}`);
  const messages: WsMessage[] = [];
  const binary: Buffer[] = [];
  const waiters: Array<{ match: (m: WsMessage) => boolean; resolve: (m: WsMessage) => void }> = [];
  ws.on("message", (data, isBinary) => {
    if (isBinary) return void binary.push(data as Buffer);
    const m = JSON.parse(String(data)) as WsMessage;
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  if (firstFrame !== undefined) ws.send(JSON.stringify(firstFrame));
  return {
    messages,
    binary,
    ws,
    waitFor: (match) => {
      const found = messages.find(match);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        ws.once("close", () => resolve());
        ws.close();
      }),
  };
}

export const isDone = (promptId: string) => (m: WsMessage) => m.type === "executing" && m.data.node === null && m.data.prompt_id === promptId;

/** Replace ids, timestamps and random names so two runs can be compared. */
export function normalize(value: unknown, promptId?: string): any {
  return JSON.parse(
    JSON.stringify(value, (key, v) => {
      if (key === "timestamp") return 0;
      if (typeof v === "string") {
        if (promptId !== undefined && v === promptId) return "<prompt>";
        return v.replace(/ComfyUI_temp_[a-z]{5}_/, "ComfyUI_temp_xxxxx_");
      }
      return v;
    }),
  );
}

/** The WebSocket messages a recorded transcript shows after the connect status. */
export function recordedMessages(transcript: { entries: Array<{ kind: string; message?: WsMessage }> }): WsMessage[] {
  return transcript.entries.filter((e) => e.kind === "ws_recv_text").map((e) => e.message!);
}

export function recordedPromptId(transcript: { entries: Array<{ kind: string; route?: string; status?: number; body?: any }> }): string {
  return transcript.entries.find((e) => e.kind === "http_response" && e.route === "/prompt" && e.status === 200)!.body.prompt_id as string;
}

/** A 64x48 RGBA picture with a transparent hole (stands for the recorded trial-src.png). */
export async function sourcePng(variant = 0): Promise<Buffer> {
  const width = 64;
  const height = 48;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 4 + variant * 40) % 256;
      data[i + 1] = (y * 5) % 256;
      data[i + 2] = 128;
      data[i + 3] = x > 20 && x < 40 && y > 10 && y < 30 ? 0 : 255;
    }
  }
  return sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

export async function uploadImage(url: string, bytes: Buffer, filename: string, fields: Record<string, string> = {}, route = "/upload/image"): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("image", new Blob([new Uint8Array(bytes)], { type: "image/png" }), filename);
  return fetch(`${url}${route}`, { method: "POST", body: form });
}

export async function postPrompt(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/prompt`, { method: "POST", body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
}

export const BASIC_PROMPT = {
  "1": { class_type: "LoadImage", inputs: { image: "trial-src.png" } },
  "2": { class_type: "ImageInvert", inputs: { image: ["1", 0] } },
  "3": { class_type: "SaveImage", inputs: { images: ["2", 0], filename_prefix: "imgdiff_trial/invert" } },
};

export async function getJson(url: string, init?: RequestInit): Promise<any> {
  return (await fetch(url, init)).json();
}
