/**
 * The HTTP API, served at both /x and /api/x: prompts, queue, history, interrupt, free,
 * uploads, /view, object_info, system_stats, features, models, embeddings, internal file lists.
 * Unhandled errors become aiohttp's 500 text body.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { inputFile, listByRecency, folderOf } from "./folders.js";
import { BodyTooLarge, readBody, sendEmpty, sendJson, sendNotFound, sendServerError, sendText } from "./http.js";
import { parseMultipart } from "./multipart.js";
import { liveObjectInfo } from "./object-info.js";
import { pyStr } from "./py.js";
import { historySlice, wireItem } from "./queue.js";
import type { Live } from "./state.js";
import { upload, uploadMask, type UploadAnswer } from "./uploads.js";
import { validateServerPrompt, type CustomValidator } from "./validate.js";
import { view } from "./view.js";
import { SERVER_FEATURES } from "./ws-hub.js";

const MODEL_FOLDERS = ["checkpoints", "configs", "loras", "vae", "text_encoders", "diffusion_models", "clip_vision", "style_models", "embeddings", "diffusers", "vae_approx", "controlnet", "gligen", "upscale_models", "custom_nodes", "hypernetworks", "photomaker", "classifiers", "model_patches", "audio_encoders"];

class NotJson extends Error {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new NotJson();
  }
}

/** For routes where the server treats a missing or non-JSON body as {}. */
async function readJsonOrEmpty(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    const v = await readJson(req);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch (e) {
    if (e instanceof NotJson) return {};
    throw e;
  }
}

function imageValidators(live: Live): Record<string, CustomValidator> {
  const exists: CustomValidator = {
    inputs: ["image"],
    validate: ({ image }) => {
      const file = inputFile(String(image), live.p.folders);
      return file !== undefined && existsSync(file) ? true : `Invalid image file: ${pyStr(image)}`;
    },
  };
  return { LoadImage: exists, LoadImageMask: exists };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

async function postPrompt(live: Live, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const json = await readJson(req);
  if (!isObject(json)) throw new Error("json_data is not a dict");
  const p = live.p;
  let number: number;
  if ("number" in json) {
    number = Number(json["number"]);
    if (Number.isNaN(number)) throw new Error("could not convert number to float");
  } else {
    number = json["front"] ? -p.number : p.number;
    p.number += 1;
  }
  if (!("prompt" in json)) {
    sendJson(res, { error: { type: "no_prompt", message: "No prompt provided", details: "No prompt provided", extra_info: {} }, node_errors: {} }, 400);
    return;
  }
  const rawPrompt = json["prompt"];
  if (!isObject(rawPrompt)) throw new Error("prompt is not a dict");
  const promptId = "prompt_id" in json ? pyStr(json["prompt_id"]) : randomUUID();
  const objectInfo = liveObjectInfo(p.objectInfo, p.folders, p.checkpoints);
  const outcome = validateServerPrompt(rawPrompt, objectInfo, json["partial_execution_targets"], imageValidators(live));
  const extraData: Record<string, unknown> = isObject(json["extra_data"]) ? { ...json["extra_data"] } : {};
  if ("client_id" in json) extraData["client_id"] = json["client_id"];
  if (!outcome.ok) {
    sendJson(res, { error: outcome.error, node_errors: outcome.nodeErrors }, 400);
    return;
  }
  const first = p.faults.eventsBeforeReply ? new Promise<void>((resolve) => live.firstEventWaiters.set(promptId, resolve)) : undefined;
  p.queue.put({ number, promptId, prompt: outcome.prompt, extraData, outputs: outcome.outputs, floats: outcome.floats });
  p.stats.submitted += 1;
  live.statsChanged();
  const announce = () => {
    live.broadcastStatus();
    live.wake();
  };
  if (p.faults.dropAfterPost > 0) {
    p.faults.dropAfterPost -= 1;
    req.socket.destroy();
    announce();
    return;
  }
  if (first) {
    announce();
    await first;
    sendJson(res, { prompt_id: promptId, number, node_errors: outcome.nodeErrors });
    return;
  }
  // The reply goes out before the run's events: a client that subscribes only after the reply
  // can still miss them when the network delays it (see test/support/delay-proxy.ts).
  sendJson(res, { prompt_id: promptId, number, node_errors: outcome.nodeErrors });
  setImmediate(announce);
}

async function sendUpload(res: ServerResponse, answer: UploadAnswer): Promise<void> {
  if (answer.status === 200) sendJson(res, answer.body);
  else if (answer.status === 400) sendEmpty(res, 400);
  else sendServerError(res, 500);
}

async function route(live: Live, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
  const p = live.p;
  const method = req.method ?? "GET";
  const get = method === "GET" || method === "HEAD";
  const post = method === "POST";
  if (get && path === "/") return sendText(res, 200, "<!DOCTYPE html><html><head><title>ComfyUI</title></head><body></body></html>", "text/html");
  if (get && path === "/embeddings") return sendJson(res, []);
  if (get && path === "/extensions") return sendJson(res, []);
  if (get && path === "/models") return sendJson(res, MODEL_FOLDERS);
  if (get && path.startsWith("/models/")) {
    const folder = decodeURIComponent(path.slice("/models/".length));
    if (!MODEL_FOLDERS.includes(folder)) return sendEmpty(res, 404);
    return sendJson(res, folder === "checkpoints" ? p.checkpoints : []);
  }
  if (get && path === "/system_stats") return sendJson(res, p.systemStats);
  if (get && path === "/features") return sendJson(res, SERVER_FEATURES);
  if (get && path === "/prompt") return sendJson(res, { exec_info: { queue_remaining: p.queue.remaining() } });
  if (post && path === "/prompt") return postPrompt(live, req, res);
  if (get && path === "/object_info") return sendJson(res, liveObjectInfo(p.objectInfo, p.folders, p.checkpoints));
  if (get && path.startsWith("/object_info/")) {
    const name = decodeURIComponent(path.slice("/object_info/".length));
    const info = liveObjectInfo(p.objectInfo, p.folders, p.checkpoints);
    return sendJson(res, Object.hasOwn(info, name) ? { [name]: info[name] } : {});
  }
  if (get && path === "/history") {
    const max = query.get("max_items");
    const offset = query.get("offset");
    const toInt = (v: string) => {
      if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new Error(`invalid literal for int(): ${v}`);
      return Number.parseInt(v, 10);
    };
    return sendJson(res, historySlice(p.queue.history, max === null ? undefined : toInt(max), offset === null ? -1 : toInt(offset)));
  }
  if (get && path.startsWith("/history/")) {
    const id = decodeURIComponent(path.slice("/history/".length));
    const entry = p.queue.history.get(id);
    return sendJson(res, entry ? { [id]: entry } : {});
  }
  if (post && path === "/history") {
    const body = await readJsonOrEmpty(req);
    if (body["clear"]) p.queue.history.clear();
    if (Array.isArray(body["delete"])) for (const id of body["delete"]) p.queue.history.delete(String(id));
    return sendEmpty(res);
  }
  if (get && path === "/queue") {
    const running = p.queue.current;
    return sendJson(res, { queue_running: running ? [wireItem(running)] : [], queue_pending: p.queue.pending.map(wireItem) });
  }
  if (post && path === "/queue") {
    const body = await readJsonOrEmpty(req);
    if (body["clear"]) {
      p.queue.wipe();
      live.broadcastStatus();
    }
    if (Array.isArray(body["delete"])) {
      for (const id of body["delete"]) if (p.queue.delete([id])) live.broadcastStatus();
    }
    return sendEmpty(res);
  }
  if (post && path === "/interrupt") {
    const body = await readJsonOrEmpty(req);
    if ("prompt_id" in body) {
      if (p.queue.current?.promptId === body["prompt_id"]) live.interrupt = true;
    } else live.interrupt = true;
    return sendEmpty(res);
  }
  if (post && path === "/free") {
    const body = await readJsonOrEmpty(req);
    if (body["free_memory"] || body["unload_models"]) live.freeMemory = true;
    live.wake();
    return sendEmpty(res);
  }
  if (post && (path === "/upload/image" || path === "/upload/mask")) {
    const body = await readBody(req);
    const form = parseMultipart(body, req.headers["content-type"] ?? "");
    if (!form) return sendEmpty(res, 400);
    return sendUpload(res, path === "/upload/image" ? await upload(form, p.folders) : await uploadMask(form, p.folders));
  }
  if (get && path === "/view") {
    const answer = await view(query, p.folders);
    if (answer.status !== 200) return sendEmpty(res, answer.status);
    res.writeHead(200, { "Content-Type": answer.type, "Content-Length": answer.body.length, "Content-Disposition": `filename="${answer.filename}"`, Server: "Python/3.11 aiohttp/3.8.4" });
    return void res.end(method === "HEAD" ? undefined : answer.body);
  }
  return sendNotFound(res);
}

/** Routes without the /api twin (the /internal sub-app). */
function internalRoute(live: Live, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  const m = /^\/internal\/files\/([^/]+)$/.exec(path);
  if (!m || req.method !== "GET") return false;
  const dir = folderOf(live.p.folders, m[1]);
  if (!dir) sendJson(res, { error: "Invalid directory type" }, 400);
  else sendJson(res, listByRecency(dir));
  return true;
}

export async function handle(live: Live, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    if (internalRoute(live, req, res, url.pathname)) return;
    const path = url.pathname.startsWith("/api/") ? url.pathname.slice(4) : url.pathname === "/api" ? "/" : url.pathname;
    await route(live, req, res, path, url.searchParams);
  } catch (error) {
    if (res.headersSent || res.destroyed) return;
    if (error instanceof BodyTooLarge) return sendText(res, 413, "413: Request Entity Too Large");
    sendServerError(res, 500);
  }
}
