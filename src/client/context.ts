/** What the prompt-running code needs from a client: its transport, session and time settings. */
import type { ComfySession } from "./session.js";
import type { Transport } from "./transport.js";

export interface ClientTimeouts {
  /** Per HTTP request. Default 30 s. */
  requestMs?: number;
  /** Per run()/wait() unless the call gives its own. Default 1 h. */
  runMs?: number;
  /** How long run() waits for the WebSocket before submitting anyway (and relying on polls). Default 5 s. */
  connectMs?: number;
  /** Poll /history when no event about the prompt came for this long. Default 1 s. */
  pollIntervalMs?: number;
  /** Give a prompt up as lost after the server was unreachable this long. Default 60 s. */
  serverGoneMs?: number;
  /** After POST /prompt, a socket that receives nothing for this long is replaced. Default 5 s. */
  zombieMs?: number;
}

export interface RunContext {
  readonly transport: Transport;
  readonly baseUrl: string;
  readonly clientId: string;
  session(): ComfySession;
  readonly timeouts: Required<ClientTimeouts>;
}

export const DEFAULT_TIMEOUTS: Required<ClientTimeouts> = {
  requestMs: 30_000,
  runMs: 3_600_000,
  connectMs: 5_000,
  pollIntervalMs: 1_000,
  serverGoneMs: 60_000,
  zombieMs: 5_000,
};
