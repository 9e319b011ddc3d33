/**
 * ComfyClient: one ComfyUI server. `run()` is the safe way to execute a prompt (subscribe first,
 * submit at most once, completion from /history, every output collected, typed errors); the
 * other methods are the routes, one call each. The WebSocket opens on first need, not in the
 * constructor, and `close()` leaves no socket or timer behind.
 */
import { randomUUID } from "node:crypto";
import type { ApiPrompt } from "../graph/api-prompt.js";
import type { ObjectInfo } from "../graph/object-info.js";
import type { BackoffOptions } from "./backoff.js";
import { DEFAULT_TIMEOUTS, type ClientTimeouts, type RunContext } from "./context.js";
import type { HistoryEntry, Job, JobsQuery, JobsResponse, QueueResponse, SystemStats, UploadResponse, ViewQuery } from "./http-schemas.js";
import { ComfyAbortError } from "./errors.js";
import { downloadImage } from "./outputs.js";
import * as routes from "./routes.js";
import type { CallOptions, ImageRefInput, UploadData, UploadOptions } from "./routes.js";
import { runPrompt, submitPrompt, waitForPrompt, type RunOptions, type RunResult, type SubmitResult, type WaitOptions } from "./run-prompt.js";
import { createSession, type ComfySession, type SessionEvent, type SessionEvents } from "./session.js";
import { locatePrompt, type PromptWhereabouts } from "./submit.js";
import { createTransport, type FetchLike, type Transport } from "./transport.js";

/**
 * A prompt made for the server that will run it: it can upload the prompt's input files there
 * first. A pool calls it once per server it tries; a client calls it once.
 */
export type PromptSource = (server: ComfyClient, signal: AbortSignal | undefined) => Promise<ApiPrompt>;

export interface ComfyClientOptions {
  /** e.g. "http://127.0.0.1:8188" (a path prefix for a reverse proxy is kept). */
  baseUrl: string;
  /** Default: the global fetch. node-fetch and test stubs work too. */
  fetch?: FetchLike;
  /** Sent with every request and the WebSocket handshake (auth for a proxy). Never an Origin. */
  headers?: Record<string, string>;
  timeouts?: ClientTimeouts;
  /** The WebSocket client id; default a random UUID. Keep one per client: events go only to it. */
  clientId?: string;
  /** WebSocket reconnect backoff. Default 200 ms doubling to 15 s, jittered. */
  reconnect?: BackoffOptions;
  /** WebSocket ping interval. Default 10 s. */
  pingIntervalMs?: number;
}

export class ComfyClient {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly transport: Transport;
  private readonly options: ComfyClientOptions;
  private readonly timeouts: Required<ClientTimeouts>;
  private currentSession: ComfySession | undefined;
  private objectInfoCache: Promise<ObjectInfo> | undefined;
  private closed = false;
  /** Aborted by close(), so no run outlives its client. */
  private readonly lifetime = new AbortController();

  constructor(options: ComfyClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.clientId = options.clientId ?? randomUUID();
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...definedOnly(options.timeouts ?? {}) };
    this.transport = createTransport({
      baseUrl: this.baseUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      headers: options.headers ?? {},
      requestTimeoutMs: this.timeouts.requestMs,
    });
  }

  /** The WebSocket session, opened on first use. */
  get session(): ComfySession {
    if (this.closed) throw new ComfyAbortError(`using ComfyClient(${this.baseUrl}) after close()`);
    this.currentSession ??= createSession({
      baseUrl: this.baseUrl,
      clientId: this.clientId,
      headers: this.options.headers ?? {},
      connectTimeoutMs: this.timeouts.connectMs * 2,
      ...(this.options.reconnect ? { backoff: this.options.reconnect } : {}),
      ...(this.options.pingIntervalMs ? { pingIntervalMs: this.options.pingIntervalMs } : {}),
    });
    return this.currentSession;
  }

  private get context(): RunContext {
    return {
      transport: this.transport,
      baseUrl: this.baseUrl,
      clientId: this.clientId,
      session: () => this.session,
      timeouts: this.timeouts,
    };
  }

  /** Runs a prompt to completion and returns every output node's results, images downloaded. */
  async run(prompt: ApiPrompt | PromptSource, options: RunOptions = {}): Promise<RunResult> {
    const bound = this.bound(options);
    const body = typeof prompt === "function" ? await prompt(this, bound.signal) : prompt;
    return runPrompt(this.context, body, bound);
  }

  /** POST /prompt with our ids, resolving an ambiguous outcome without running the prompt twice. */
  submit(prompt: ApiPrompt, options: RunOptions = {}): Promise<SubmitResult> {
    return submitPrompt(this.context, prompt, this.bound(options));
  }

  /** Waits for a submitted prompt and collects its outputs. */
  wait(promptId: string, options: WaitOptions = {}): Promise<Pick<RunResult, "promptId" | "outputs">> {
    return waitForPrompt(this.context, promptId, this.bound(options));
  }

  /** Whether the server has the prompt queued, running or finished. */
  locate(promptId: string, options: CallOptions = {}): Promise<PromptWhereabouts> {
    return locatePrompt(this.context, promptId, options.signal);
  }

  on<K extends keyof SessionEvents>(type: K, listener: (payload: SessionEvents[K]) => void): () => void {
    return this.session.on(type, listener);
  }

  events(signal?: AbortSignal): AsyncIterableIterator<SessionEvent> {
    return this.session.events(signal);
  }

  history(promptId: string, options?: CallOptions): Promise<HistoryEntry | undefined> {
    return routes.getHistory(this.transport, promptId, options);
  }
  deleteHistory(promptIds: string[], options?: CallOptions): Promise<void> {
    return routes.deleteHistory(this.transport, promptIds, options);
  }
  queue(options?: CallOptions): Promise<QueueResponse> {
    return routes.getQueue(this.transport, options);
  }
  deleteFromQueue(promptIds: string[], options?: CallOptions): Promise<void> {
    return routes.deleteFromQueue(this.transport, promptIds, options);
  }
  clearQueue(options?: CallOptions): Promise<void> {
    return routes.clearQueue(this.transport, options);
  }
  /** Interrupts `promptId` if it is the running prompt (without an id: whatever runs). */
  interrupt(promptId?: string, options?: CallOptions): Promise<void> {
    return routes.interrupt(this.transport, promptId, options);
  }
  free(what: { unloadModels?: boolean; freeMemory?: boolean }, options?: CallOptions): Promise<void> {
    return routes.free(this.transport, what, options);
  }
  /** GET /prompt: running plus pending prompts. */
  queueRemaining(options?: CallOptions): Promise<number> {
    return routes.getPromptInfo(this.transport, options).then((info) => info.queueRemaining);
  }
  view(query: ViewQuery, options?: CallOptions): Promise<Uint8Array> {
    return routes.view(this.transport, query, options);
  }
  /** Downloads an image reference as found in outputs (`{filename, subfolder, type}`). */
  download(ref: ImageRefInput, options: CallOptions = {}): Promise<Uint8Array> {
    return downloadImage(this.transport, { filename: ref.filename, subfolder: ref.subfolder ?? "", type: ref.type ?? "output" }, options);
  }
  /** Uploads under a content-hash name with overwrite, so identical files are never renamed `x (1).png`. */
  uploadImage(data: UploadData, options?: UploadOptions): Promise<UploadResponse> {
    return routes.uploadImage(this.transport, data, options);
  }
  uploadMask(data: UploadData, original: ImageRefInput, options?: UploadOptions): Promise<UploadResponse> {
    return routes.uploadMask(this.transport, data, original, options);
  }
  /** All node definitions, fetched once per client (`refresh` to fetch again, e.g. after uploads). */
  objectInfo(options: CallOptions & { refresh?: boolean } = {}): Promise<ObjectInfo> {
    if (options.refresh || !this.objectInfoCache) {
      const pending = routes.getObjectInfo(this.transport, undefined, options);
      this.objectInfoCache = pending;
      pending.catch(() => {
        if (this.objectInfoCache === pending) this.objectInfoCache = undefined;
      });
    }
    return this.objectInfoCache;
  }
  /** One node definition, fresh (LoadImage's file list changes with uploads); undefined if unknown. */
  async nodeInfo(classType: string, options?: CallOptions): Promise<ObjectInfo[string] | undefined> {
    return (await routes.getObjectInfo(this.transport, classType, options))[classType];
  }
  systemStats(options?: CallOptions): Promise<SystemStats> {
    return routes.getSystemStats(this.transport, options);
  }
  features(options?: CallOptions): Promise<Record<string, unknown>> {
    return routes.getFeatures(this.transport, options);
  }
  models(folder?: string, options?: CallOptions): Promise<string[]> {
    return routes.getModels(this.transport, folder, options);
  }
  embeddings(options?: CallOptions): Promise<string[]> {
    return routes.getEmbeddings(this.transport, options);
  }
  /** GET /api/jobs (newer servers; older ones answer 404 → ComfyHttpError). */
  jobs(query?: JobsQuery, options?: CallOptions): Promise<JobsResponse> {
    return routes.getJobs(this.transport, query, options);
  }
  job(jobId: string, options?: CallOptions): Promise<Job | undefined> {
    return routes.getJob(this.transport, jobId, options);
  }

  /** The caller's signal joined with the client's lifetime. */
  private bound<T extends { signal?: AbortSignal }>(options: T): T {
    const signal = options.signal ? AbortSignal.any([options.signal, this.lifetime.signal]) : this.lifetime.signal;
    return { ...options, signal };
  }

  /** Ends runs still waiting (ComfyAbortError), closes the WebSocket and stops every timer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort(new ComfyAbortError(`ComfyClient.close() for ${this.baseUrl}: the wait`));
    const session = this.currentSession;
    this.currentSession = undefined;
    await session?.close();
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
