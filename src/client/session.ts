/**
 * The WebSocket session with one ComfyUI server, under one client id, for the client's whole
 * life. It reconnects forever with capped, jittered backoff; a reconnect starts only after the
 * old socket has fully closed (ComfyUI#16010: an old socket's cleanup unregisters a new socket
 * with the same id); ws pings detect dead connections, since the server sends no heartbeat; the
 * first frame is the feature_flags handshake, so previews come as type-4 frames naming their
 * prompt. Events are offered as a typed emitter and as an async iterator.
 *
 * Events are hints only: a message sent while no socket was connected is lost for good, so
 * whoever waits for a prompt re-checks /history after every `open` (see run-prompt.ts).
 */
import WebSocket from "ws";
import { createBackoff, type BackoffOptions } from "./backoff.js";
import { parseBinaryFrame, type BinaryFrame } from "./binary-frames.js";
import { deadline } from "./deadline.js";
import { createEmitter } from "./emitter.js";
import { ComfyConnectionError } from "./errors.js";
import { parseWsText, type WsMessage } from "./ws-messages.js";

export interface SessionOptions {
  /** The server's http(s) base URL. */
  baseUrl: string;
  clientId: string;
  headers?: Record<string, string>;
  backoff?: BackoffOptions;
  /** How often to ping; a ping without a pong by the next one ends the socket. Default 10 s. */
  pingIntervalMs?: number;
  /** Handshake time limit. Default 10 s. */
  connectTimeoutMs?: number;
  /** Sent as the first frame. Default `{supports_preview_metadata: true}`. */
  featureFlags?: Record<string, unknown>;
}

export interface SessionEvents {
  /** A socket opened; `reconnect` is false only for the very first one. */
  open: { reconnect: boolean };
  close: { code: number; reason: string };
  message: WsMessage;
  binary: BinaryFrame;
  /** A failed connect or a socket error; the session keeps reconnecting. */
  error: Error;
}

export type SessionEvent =
  | { kind: "message"; message: WsMessage }
  | { kind: "binary"; frame: BinaryFrame }
  | { kind: "open"; reconnect: boolean }
  | { kind: "close"; code: number; reason: string };

export type SessionState = "connecting" | "open" | "waiting" | "closed";

export interface ComfySession {
  readonly clientId: string;
  readonly state: SessionState;
  /** The server's reply to our feature_flags frame, once received. */
  readonly serverFeatures: Readonly<Record<string, unknown>> | undefined;
  /** Sockets opened so far. */
  readonly opens: number;
  on<K extends keyof SessionEvents>(type: K, listener: (payload: SessionEvents[K]) => void): () => void;
  /** Every event from now on, until the session closes or `signal` fires. */
  events(signal?: AbortSignal): AsyncIterableIterator<SessionEvent>;
  /** Resolves when a socket is open (now or later); rejects on timeout, abort or close(). */
  waitOpen(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<void>;
  /**
   * Our own action (e.g. POST /prompt, sent at `since`) makes the server broadcast `status`: if
   * no message at all arrived since then and none arrives within `ms`, the socket is a zombie
   * (unregistered server-side) and is replaced.
   */
  expectTraffic(ms: number, since: number): void;
  /** Ends the current socket; the session reconnects as after a drop. */
  reconnect(): void;
  close(): Promise<void>;
}

/** A connection that lasted this long was healthy: the next drop starts the backoff afresh. */
const STABLE_MS = 1_000;
const utf8 = new TextDecoder("utf-8");

export function createSession(options: SessionOptions): ComfySession {
  const url = `${options.baseUrl.replace(/\/+$/, "").replace(/^http/, "ws")}/ws?clientId=${encodeURIComponent(options.clientId)}`;
  const headers = Object.fromEntries(Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== "origin"));
  const pingIntervalMs = options.pingIntervalMs ?? 10_000;
  const featureFlags = options.featureFlags ?? { supports_preview_metadata: true };
  const backoff = createBackoff(options.backoff ?? {}, options.clientId);
  // A throwing listener must not silence the others, nor vanish: it is reported as an `error`
  // event (a throwing error listener is not reported again, to avoid a loop).
  const emitter: ReturnType<typeof createEmitter<SessionEvents>> = createEmitter<SessionEvents>((error) => {
    if (!reportingListenerError) {
      reportingListenerError = true;
      try {
        emitter.emit("error", error instanceof Error ? error : new Error(String(error)));
      } finally {
        reportingListenerError = false;
      }
    }
  });
  let reportingListenerError = false;
  /** waitOpen() callers still waiting; close() rejects them. */
  const openWaiters = new Set<(error: Error) => void>();

  let state: SessionState = "connecting";
  let socket: WebSocket | undefined;
  let socketClosed: Promise<void> = Promise.resolve();
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let zombieTimer: ReturnType<typeof setTimeout> | undefined;
  let serverFeatures: Record<string, unknown> | undefined;
  let opens = 0;
  let lastMessageAt = 0;
  const iterators = new Set<() => void>();

  function connect(): void {
    reconnectTimer = undefined;
    if (state === "closed") return;
    state = "connecting";
    const ws = new WebSocket(url, { headers, handshakeTimeout: options.connectTimeoutMs ?? 10_000, perMessageDeflate: false });
    socket = ws;
    let openedAt: number | undefined;
    let awaitingPong = false;
    let resolveClosed!: () => void;
    socketClosed = new Promise((resolve) => (resolveClosed = resolve));

    ws.on("open", () => {
      openedAt = Date.now();
      state = "open";
      ws.send(JSON.stringify({ type: "feature_flags", data: featureFlags }));
      pingTimer = setInterval(() => {
        if (awaitingPong) {
          ws.terminate(); // no pong since the last ping: the connection is dead
          return;
        }
        awaitingPong = true;
        ws.ping();
      }, pingIntervalMs);
      emitter.emit("open", { reconnect: opens > 0 });
      opens++;
    });
    ws.on("pong", () => {
      awaitingPong = false;
    });
    ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      awaitingPong = false; // any traffic proves the connection alive
      lastMessageAt = Date.now();
      if (zombieTimer) {
        clearTimeout(zombieTimer);
        zombieTimer = undefined;
      }
      const bytes = toBytes(data);
      if (isBinary) {
        emitter.emit("binary", parseBinaryFrame(bytes));
        return;
      }
      const message = parseWsText(utf8.decode(bytes));
      if (!message) return;
      if (message.type === "feature_flags") serverFeatures = message.data;
      emitter.emit("message", message);
    });
    ws.on("error", (error: Error) => {
      emitter.emit("error", new ComfyConnectionError(options.baseUrl, "WebSocket", { cause: error }));
    });
    ws.on("close", (code: number, reason: Buffer) => {
      if (pingTimer) clearInterval(pingTimer);
      pingTimer = undefined;
      if (zombieTimer) clearTimeout(zombieTimer);
      zombieTimer = undefined;
      if (socket === ws) socket = undefined;
      resolveClosed();
      emitter.emit("close", { code, reason: reason.toString() });
      if (state === "closed") return;
      if (openedAt !== undefined && Date.now() - openedAt >= STABLE_MS) backoff.reset();
      state = "waiting";
      reconnectTimer = setTimeout(connect, backoff.next());
    });
  }

  function toBytes(data: WebSocket.RawData): Uint8Array {
    if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  connect();

  const session: ComfySession = {
    clientId: options.clientId,
    get state() {
      return state;
    },
    get serverFeatures() {
      return serverFeatures;
    },
    get opens() {
      return opens;
    },
    on: (type, listener) => emitter.on(type, listener),

    events(signal) {
      const queue: SessionEvent[] = [];
      let wake: (() => void) | undefined;
      let done = false;
      const finish = (): void => {
        done = true;
        wake?.();
      };
      const push = (event: SessionEvent): void => {
        queue.push(event);
        wake?.();
      };
      const offs = [
        emitter.on("message", (message) => push({ kind: "message", message })),
        emitter.on("binary", (frame) => push({ kind: "binary", frame })),
        emitter.on("open", ({ reconnect }) => push({ kind: "open", reconnect })),
        emitter.on("close", ({ code, reason }) => push({ kind: "close", code, reason })),
      ];
      const stop = (): void => {
        for (const off of offs) off();
        iterators.delete(finish);
        signal?.removeEventListener("abort", finish);
        finish();
      };
      iterators.add(finish);
      signal?.addEventListener("abort", finish, { once: true });
      if (signal?.aborted || state === "closed") finish();
      const iterator: AsyncIterableIterator<SessionEvent> = {
        [Symbol.asyncIterator]: () => iterator,
        async next() {
          while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          const event = queue.shift();
          if (event) return { value: event, done: false };
          stop();
          return { value: undefined, done: true };
        },
        async return() {
          stop();
          return { value: undefined, done: true };
        },
      };
      return iterator;
    },

    waitOpen({ signal, timeoutMs } = {}) {
      if (state === "open") return Promise.resolve();
      if (state === "closed") return Promise.reject(new ComfyConnectionError(options.baseUrl, "WebSocket (session closed)"));
      const limit = deadline(`WebSocket connection to ${options.baseUrl}`, timeoutMs, signal);
      return new Promise<void>((resolve, reject) => {
        const offOpen = emitter.on("open", () => {
          cleanup();
          resolve();
        });
        const onAbort = (): void => {
          cleanup();
          reject(limit.signal.reason);
        };
        const onClose = (error: Error): void => {
          cleanup();
          reject(error);
        };
        openWaiters.add(onClose);
        const cleanup = (): void => {
          openWaiters.delete(onClose);
          offOpen();
          limit.signal.removeEventListener("abort", onAbort);
          limit.dispose();
        };
        if (limit.signal.aborted) onAbort();
        else limit.signal.addEventListener("abort", onAbort, { once: true });
      });
    },

    expectTraffic(ms, since) {
      if (state !== "open" || zombieTimer || lastMessageAt >= since) return;
      const ws = socket;
      zombieTimer = setTimeout(() => {
        zombieTimer = undefined;
        if (socket === ws && state === "open") ws?.terminate();
      }, ms);
    },

    reconnect() {
      if (state === "open" || state === "connecting") socket?.terminate();
    },

    async close() {
      if (state === "closed") return;
      state = "closed";
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      const ws = socket;
      if (ws) {
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        else ws.terminate();
        // A peer that never answers the close frame must not hold us: end the socket after 1 s.
        const force = setTimeout(() => ws.terminate(), 1_000);
        await socketClosed;
        clearTimeout(force);
      }
      for (const finish of [...iterators]) finish();
      for (const fail of [...openWaiters]) fail(new ComfyConnectionError(options.baseUrl, "WebSocket (session closed while waiting for it to open)"));
      emitter.clear();
    },
  };
  return session;
}
