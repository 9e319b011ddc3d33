/**
 * ServerPool: one `run()` over N ComfyUI servers. Each server takes at most `maxInFlight` of our
 * prompts (default 2: one running plus one queued behind it, so the GPU never waits for us), and
 * a job goes to the least-loaded healthy server. A job whose server dies is moved to another
 * server only once its own client has established that it did not finish there (the server came
 * back without it, or stayed unreachable past `serverGoneMs`); it keeps its prompt id. A server
 * that answers health checks again rejoins, after any prompt of ours still queued on it (a job
 * since moved) is deleted there, so nothing runs twice. `close()` stops every timer and socket.
 */
import { DEFAULT_TIMEOUTS } from "./context.js";
import type { ApiPrompt } from "../graph/api-prompt.js";
import { ComfyClient, type ComfyClientOptions, type PromptSource } from "./client.js";
import type { ClientTimeouts } from "./context.js";
import { deadline } from "./deadline.js";
import { ComfyAbortError, PoolError, isServerFault } from "./errors.js";
import { newPromptId, type RunOptions, type RunResult } from "./run-prompt.js";
import type { FetchLike } from "./transport.js";

export interface ServerPoolOptions {
  /** Base URLs, or full client options per server. */
  servers: ReadonlyArray<string | ComfyClientOptions>;
  /** Our prompts per server at once. Default 2. */
  maxInFlight?: number;
  /** Health check period (GET /prompt). Default 2 s. */
  healthIntervalMs?: number;
  /** How often one job may be moved to another server before it fails. Default 3. */
  maxMoves?: number;
  /** Used for servers given as URLs. */
  fetch?: FetchLike;
  headers?: Record<string, string>;
  /** Used for servers given as URLs; `serverGoneMs` defaults to 15 s in a pool. */
  timeouts?: ClientTimeouts;
}

export interface PoolRunResult extends RunResult {
  /** The server that ran the prompt. */
  server: string;
  /** Servers tried, the last one included. */
  servers: string[];
}

export interface ServerStatus {
  url: string;
  healthy: boolean;
  inFlight: number;
  /** queue_remaining at the last health check (all clients' prompts). */
  queueRemaining: number;
  completed: number;
  moved: number;
}

interface Server {
  client: ComfyClient;
  healthy: boolean;
  inFlight: number;
  queueRemaining: number;
  completed: number;
  moved: number;
  lastPicked: number;
  /** Prompt ids that left this server while it was unreachable: delete them there on rejoin. */
  orphans: Set<string>;
  checking: boolean;
}

interface Job {
  /** A source is built again for each server the job is tried on (its uploads go there). */
  prompt: ApiPrompt | PromptSource;
  options: RunOptions;
  promptId: string;
  signal: AbortSignal;
  tried: string[];
  resolve(result: PoolRunResult): void;
  reject(error: unknown): void;
}

export class ServerPool {
  private readonly servers: Server[];
  private readonly maxInFlight: number;
  private readonly maxMoves: number;
  private readonly healthIntervalMs: number;
  /** A job's whole life in the pool, waits for a healthy server included, unless run() says otherwise. */
  private readonly runMs: number;
  private readonly waiting: Job[] = [];
  private healthTimer: ReturnType<typeof setInterval> | undefined;
  private picks = 0;
  private closed = false;

  constructor(options: ServerPoolOptions) {
    if (options.servers.length === 0) throw new PoolError("pool_no_servers", "ServerPool needs at least one server URL; received none");
    this.maxInFlight = options.maxInFlight ?? 2;
    this.maxMoves = options.maxMoves ?? 3;
    this.healthIntervalMs = options.healthIntervalMs ?? 2_000;
    this.runMs = options.timeouts?.runMs ?? DEFAULT_TIMEOUTS.runMs;
    this.servers = options.servers.map((server) => ({
      client: new ComfyClient(
        typeof server === "string"
          ? {
              baseUrl: server,
              ...(options.fetch ? { fetch: options.fetch } : {}),
              ...(options.headers ? { headers: options.headers } : {}),
              timeouts: { serverGoneMs: 15_000, ...options.timeouts },
            }
          : server,
      ),
      healthy: true,
      inFlight: 0,
      queueRemaining: 0,
      completed: 0,
      moved: 0,
      lastPicked: 0,
      orphans: new Set(),
      checking: false,
    }));
  }

  /**
   * Runs a prompt on some server; same options and result as ComfyClient.run, plus the server
   * used. A PromptSource is called with the server picked, so input files are uploaded only to
   * the server that runs the prompt; a failure there counts as that server's.
   */
  run(prompt: ApiPrompt | PromptSource, options: RunOptions = {}): Promise<PoolRunResult> {
    if (this.closed) return Promise.reject(new PoolError("pool_closed", "ServerPool.run() called after close()"));
    this.startHealthChecks();
    // Never forever: with every server down, a job fails when its run time is up.
    const limit = deadline("ServerPool.run", options.timeoutMs ?? this.runMs, options.signal);
    return new Promise<PoolRunResult>((resolve, reject) => {
      const job: Job = {
        prompt,
        options,
        promptId: options.promptId ?? newPromptId(),
        signal: limit.signal,
        tried: [],
        resolve: (result) => {
          limit.dispose();
          resolve(result);
        },
        reject: (error) => {
          limit.dispose();
          reject(error);
        },
      };
      limit.signal.addEventListener(
        "abort",
        () => {
          const index = this.waiting.indexOf(job);
          if (index >= 0) {
            this.waiting.splice(index, 1);
            job.reject(limit.signal.reason);
          }
        },
        { once: true },
      );
      this.waiting.push(job);
      this.dispatch();
    });
  }

  status(): ServerStatus[] {
    return this.servers.map((s) => ({
      url: s.client.baseUrl,
      healthy: s.healthy,
      inFlight: s.inFlight,
      queueRemaining: s.queueRemaining,
      completed: s.completed,
      moved: s.moved,
    }));
  }

  /** Rejects waiting jobs, aborts running ones, closes every client and stops the health checks. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = undefined;
    for (const job of this.waiting.splice(0)) job.reject(new PoolError("pool_closed", `ServerPool closed before prompt ${job.promptId} ran`));
    await Promise.all(this.servers.map((s) => s.client.close()));
  }

  private dispatch(): void {
    while (this.waiting.length > 0 && !this.closed) {
      const server = this.pick();
      if (!server) return;
      const job = this.waiting.shift() as Job;
      void this.execute(job, server);
    }
  }

  /** The healthy server under its cap with the least load; ties go to the one picked longest ago. */
  private pick(): Server | undefined {
    let best: Server | undefined;
    for (const s of this.servers) {
      if (!s.healthy || s.inFlight >= this.maxInFlight) continue;
      const load = Math.max(s.inFlight, s.queueRemaining);
      const bestLoad = best ? Math.max(best.inFlight, best.queueRemaining) : Number.POSITIVE_INFINITY;
      if (!best || load < bestLoad || (load === bestLoad && s.lastPicked < best.lastPicked)) best = s;
    }
    if (best) best.lastPicked = ++this.picks;
    return best;
  }

  private async execute(job: Job, server: Server): Promise<void> {
    server.inFlight++;
    // queue_remaining is stale until the next health check; count our own job in it meanwhile.
    server.queueRemaining++;
    job.tried.push(server.client.baseUrl);
    try {
      const prompt = typeof job.prompt === "function" ? await job.prompt(server.client, job.signal) : job.prompt;
      const result = await server.client.run(prompt, { ...job.options, promptId: job.promptId, signal: job.signal });
      server.completed++;
      job.resolve({ ...result, server: server.client.baseUrl, servers: [...job.tried] });
    } catch (error) {
      if (isServerFault(error) && !job.signal.aborted && !this.closed) {
        this.markDown(server, job.promptId);
        if (job.tried.length > this.maxMoves) {
          job.reject(
            new PoolError("pool_job_moved_too_often", `prompt ${job.promptId}: its server failed ${job.tried.length} times (${job.tried.join(", ")}); last: ${(error as Error).message}`, { cause: error }),
          );
        } else {
          this.waiting.unshift(job);
        }
      } else {
        job.reject(error instanceof ComfyAbortError && this.closed ? new PoolError("pool_closed", `ServerPool closed while prompt ${job.promptId} ran`) : error);
      }
    } finally {
      server.inFlight--;
      server.queueRemaining = Math.max(0, server.queueRemaining - 1);
      this.dispatch();
    }
  }

  private markDown(server: Server, promptId: string): void {
    server.healthy = false;
    server.moved++;
    server.orphans.add(promptId);
  }

  private startHealthChecks(): void {
    if (this.healthTimer || this.closed) return;
    this.healthTimer = setInterval(() => {
      for (const server of this.servers) void this.checkHealth(server);
    }, this.healthIntervalMs);
  }

  private async checkHealth(server: Server): Promise<void> {
    if (server.checking || this.closed) return;
    server.checking = true;
    const timeoutMs = Math.max(500, this.healthIntervalMs);
    try {
      const remaining = await server.client.queueRemaining({ timeoutMs });
      if (!server.healthy) await this.cleanOrphans(server, timeoutMs);
      server.queueRemaining = Math.max(remaining, server.inFlight);
      if (!server.healthy && !this.closed) {
        server.healthy = true;
        this.dispatch();
      }
    } catch {
      server.healthy = false;
    } finally {
      server.checking = false;
    }
  }

  /** A rejoining server must not run a job that has moved elsewhere. */
  private async cleanOrphans(server: Server, timeoutMs: number): Promise<void> {
    if (server.orphans.size === 0) return;
    const ids = [...server.orphans];
    await server.client.deleteFromQueue(ids, { timeoutMs });
    const queue = await server.client.queue({ timeoutMs });
    for (const item of queue.queue_running) if (server.orphans.has(item[1])) await server.client.interrupt(item[1], { timeoutMs });
    for (const id of ids) server.orphans.delete(id);
  }
}
