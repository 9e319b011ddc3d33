/**
 * One fake ComfyUI server in this process: HTTP + WebSocket on 127.0.0.1, the origin guard,
 * fault hooks, restart on the same port with files (and optionally queue and history) kept.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeDefWire } from "../../../src/graph/object-info.js";
import { ADMIN_PREFIX, handleAdmin, type FaultHooks } from "./admin.js";
import { ServerStopped } from "./executor.js";
import { createFaultState, routeKey, takeFailure } from "./faults.js";
import { ensureExampleImage, makeFolders } from "./folders.js";
import { sendEmpty, sendServerError } from "./http.js";
import { PromptQueue } from "./queue.js";
import { handle } from "./routes.js";
import type { Live, Persistent, Stats } from "./state.js";
import { createWsHub } from "./ws-hub.js";
import { runWorker } from "./worker.js";

export interface FakeComfyOptions {
  /** 0 = pick a free port (default). */
  port?: number;
  /** Simulated time of a KSampler run, spread over its steps with progress events; default 0. */
  executionMs?: number;
  /** Extra time per executed node; default 0. */
  nodeDelayMs?: number;
  /**
   * Least wall time of a whole prompt, from execution_start to its end (a GPU job of fixed
   * length, whatever the fake's own work costs); default 0.
   */
  promptMs?: number;
  /** Default: the recorded 0.3.64 object_info. */
  objectInfo?: Record<string, unknown>;
  /** Checkpoint names (/models/checkpoints and every ckpt_name combo); default a few SDXL names. */
  checkpoints?: string[];
  /** The server's --preview-method; "none" (the real default) sends no preview frames. */
  previewMethod?: "none" | "auto" | "latent2rgb" | "taesd";
  /** Folder for input/, output/, temp/; default a fresh temporary folder removed by close(). */
  dir?: string;
}

export interface FakeComfy {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  restart(options?: { loseQueue?: boolean }): Promise<void>;
  readonly faults: FaultHooks;
  stats(): Stats;
}

export const DEFAULT_CHECKPOINTS = ["sd_xl_base_1.0.safetensors", "sd_xl_refiner_1.0.safetensors", "sdxl/sd_xl_base_1.0_inpainting_0.1.safetensors"];

const FIXTURES = join(import.meta.dirname, "../../fixtures/comfyui-0.3.64");
let recordedObjectInfo: Record<string, NodeDefWire> | undefined;
const readFixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as unknown;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** The origin guard: a loopback Host with an Origin naming another host gets 403. */
function originRefused(req: IncomingMessage): boolean {
  const host = req.headers.host?.toLowerCase();
  const origin = req.headers.origin;
  if (!host || origin === undefined) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  if (!LOOPBACK.has(hostname)) return false;
  let originHost = "";
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    // An unparsable Origin has an empty netloc, which never equals the Host.
  }
  return originHost !== host;
}

interface Running {
  live: Live;
  http: Server;
  worker: Promise<void>;
  timers: Set<{ timer: NodeJS.Timeout; reject: (e: Error) => void }>;
}

export async function startFakeComfy(options: FakeComfyOptions = {}, internal: { onStats?: (s: Stats) => void; onRestart?: () => void } = {}): Promise<FakeComfy> {
  const ownDir = options.dir === undefined;
  const root = options.dir ?? mkdtempSync(join(tmpdir(), "fake-comfy-"));
  const folders = makeFolders(root);
  await ensureExampleImage(folders);
  const p: Persistent = {
    folders,
    objectInfo: (options.objectInfo as Record<string, NodeDefWire> | undefined) ?? (recordedObjectInfo ??= readFixture("object_info.json") as Record<string, NodeDefWire>),
    checkpoints: options.checkpoints ?? DEFAULT_CHECKPOINTS,
    systemStats: readFixture("system_stats.json"),
    executionMs: options.executionMs ?? 0,
    nodeDelayMs: options.nodeDelayMs ?? 0,
    promptMs: options.promptMs ?? 0,
    previewMethod: options.previewMethod ?? "none",
    faults: createFaultState(),
    stats: { submitted: 0, executed: {} },
    previewPrefixes: new Map(),
    queue: new PromptQueue(),
    number: 0,
    life: 0,
    ...(internal.onStats ? { onStats: internal.onStats } : {}),
  };

  let current: Running | undefined;
  let port = options.port ?? 0;
  let foreign = 0;

  const hooks: FaultHooks = {
    dropWebSockets: () => current?.live.hub.dropAll(),
    failNextRequests: (route, count, status = 500) => {
      p.faults.failing.set(routeKey(route), { count, status });
    },
    slowRoute: (route, ms) => {
      if (ms > 0) p.faults.slow.set(routeKey(route), ms);
      else p.faults.slow.delete(routeKey(route));
    },
    dropAfterPost: (count) => {
      p.faults.dropAfterPost = count;
    },
    eventsBeforeReply: (on) => {
      p.faults.eventsBeforeReply = on;
    },
    foreignError: () => {
      foreign += 1;
      const promptId = `fake-foreign-${p.life}-${foreign}`;
      const prompt = {
        "1": { class_type: "EmptyImage", inputs: { width: 64, height: 64, batch_size: 3, color: 16711680 } },
        "2": { class_type: "EmptyImage", inputs: { width: 64, height: 64, batch_size: 2, color: 65280 } },
        "3": { class_type: "ImageBlend", inputs: { image1: ["1", 0], image2: ["2", 0], blend_factor: 0.5, blend_mode: "normal" } },
        "4": { class_type: "SaveImage", inputs: { images: ["3", 0], filename_prefix: "foreign/blend_error" } },
      };
      p.queue.put({ number: p.number++, promptId, prompt, extraData: { client_id: `fake-foreign-client-${foreign}` }, outputs: ["4"], floats: new Set(["3\u0000blend_factor"]) });
      current?.live.broadcastStatus();
      current?.live.wake();
    },
    failNode: (classType, message) => {
      p.faults.failNodes.set(classType, message);
    },
  };

  const listen = async (): Promise<Running> => {
    p.life += 1;
    const timers: Running["timers"] = new Set();
    let wakeWaiter: (() => void) | undefined;
    const hub = createWsHub({ queueRemaining: () => p.queue.remaining(), current: () => ({ clientId: clientOf(), lastNode: live.lastNode }) }, `${root}:${p.life}`);
    const clientOf = () => {
      const c = p.queue.current?.extraData["client_id"];
      return typeof c === "string" ? c : undefined;
    };
    const live: Live = {
      p,
      hub,
      cache: new Map(),
      stopped: false,
      interrupt: false,
      freeMemory: false,
      lastNode: undefined,
      firstEventWaiters: new Map(),
      wake: () => {
        wakeWaiter?.();
        wakeWaiter = undefined;
      },
      broadcastStatus: () => hub.send("status", { status: { exec_info: { queue_remaining: p.queue.remaining() } } }, undefined),
      statsChanged: () => p.onStats?.(p.stats),
      sleep: (ms) =>
        new Promise<void>((resolve, reject) => {
          if (live.stopped) return reject(new ServerStopped());
          const entry = { timer: setTimeout(() => { timers.delete(entry); resolve(); }, ms), reject };
          timers.add(entry);
        }),
    };
    const http = createServer((req: IncomingMessage, res: ServerResponse) => void serve(live, req, res));
    // As aiohttp: idle connections stay open (75 s there) and no Keep-Alive header is sent, so
    // the client's own idle timeout (undici: 4 s) decides. Node's default 5 s hint would make
    // undici drop the socket after every response, a cost no real server imposes.
    http.keepAliveTimeout = 0;
    http.on("upgrade", (req, socket, head) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const key = routeKey(url.pathname);
      const refuse = (status: number) => {
        socket.end(`HTTP/1.1 ${status} ${status === 403 ? "Forbidden" : "Internal Server Error"}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      };
      if (originRefused(req)) return refuse(403);
      const failure = takeFailure(p.faults, url.pathname);
      if (failure !== undefined) return refuse(failure);
      if (key !== "/ws") return refuse(404);
      hub.server.handleUpgrade(req, socket, head, (ws) => hub.server.emit("connection", ws, req));
    });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, "127.0.0.1", () => resolve());
    });
    port = (http.address() as AddressInfo).port;
    const worker = runWorker(live, {
      waitForWork: () =>
        new Promise<void>((resolve) => {
          wakeWaiter = resolve;
        }),
    });
    return { live, http, worker, timers };
  };

  const serve = async (live: Live, req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "OPTIONS") return sendEmpty(res, 200);
    if (originRefused(req)) return sendEmpty(res, 403);
    if (url.pathname.startsWith(ADMIN_PREFIX)) {
      try {
        await handleAdmin(req, res, url.pathname, hooks, { stats: () => p.stats, restart: (loseQueue) => void fake.restart({ loseQueue }).then(() => internal.onRestart?.()) });
      } catch {
        if (!res.headersSent) sendServerError(res, 500);
      }
      return;
    }
    const slow = p.faults.slow.get(routeKey(url.pathname));
    if (slow !== undefined) {
      try {
        await live.sleep(slow);
      } catch {
        return void res.destroy();
      }
    }
    const failure = takeFailure(p.faults, url.pathname);
    if (failure !== undefined) {
      req.resume();
      return sendServerError(res, failure);
    }
    await handle(live, req, res, url);
  };

  const stop = async (running: Running) => {
    const { live, http, worker, timers } = running;
    live.stopped = true;
    for (const t of timers) {
      clearTimeout(t.timer);
      t.reject(new ServerStopped());
    }
    timers.clear();
    live.wake();
    await live.hub.close();
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
    await worker;
  };

  current = await listen();
  const fake: FakeComfy = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    async close() {
      if (!current) return;
      const running = current;
      current = undefined;
      await stop(running);
      if (ownDir) rmSync(root, { recursive: true, force: true });
    },
    async restart(opts = {}) {
      if (!current) throw new Error("the fake ComfyUI server is closed");
      const running = current;
      current = undefined;
      await stop(running);
      // A real restart takes a moment; it also lets clients in this process see their pooled
      // connections close before they could pick one for their next request.
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (opts.loseQueue === false) p.queue.requeueRunning();
      else {
        p.queue = new PromptQueue();
        p.number = 0;
      }
      current = await listen();
    },
    faults: hooks,
    stats: () => structuredClone(p.stats),
  };
  return fake;
}
