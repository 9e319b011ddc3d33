/** Everything the HTTP routes, the WebSocket hub and the worker share. */
import type { NodeDefWire } from "../../../src/graph/object-info.js";
import type { OutputCache } from "./cache.js";
import type { FaultState } from "./faults.js";
import type { Folders } from "./folders.js";
import type { PromptQueue } from "./queue.js";
import type { WsHub } from "./ws-hub.js";

export interface Stats {
  submitted: number;
  /** prompt_id -> times its execution started. */
  executed: Record<string, number>;
}

/** Survives restart(): files, counters, faults, stats (and the queue when asked to). */
export interface Persistent {
  readonly folders: Folders;
  readonly objectInfo: Record<string, NodeDefWire>;
  readonly checkpoints: readonly string[];
  readonly systemStats: unknown;
  readonly executionMs: number;
  readonly nodeDelayMs: number;
  readonly promptMs: number;
  readonly previewMethod: string;
  readonly faults: FaultState;
  readonly stats: Stats;
  readonly previewPrefixes: Map<string, string>;
  queue: PromptQueue;
  /** The server's prompt counter (POST /prompt "number"). */
  number: number;
  /** Distinguishes server lives in generated ids. */
  life: number;
  onStats?: (stats: Stats) => void;
}

/** One server life, from listen to close. */
export interface Live {
  readonly p: Persistent;
  readonly hub: WsHub;
  readonly cache: OutputCache;
  stopped: boolean;
  interrupt: boolean;
  freeMemory: boolean;
  lastNode: string | undefined;
  /** Resolvers waiting for a prompt's first events (faults.eventsBeforeReply). */
  readonly firstEventWaiters: Map<string, () => void>;
  wake(): void;
  broadcastStatus(): void;
  statsChanged(): void;
  sleep(ms: number): Promise<void>;
}
