/**
 * The /ws endpoint (server.py websocket_handler): sid from ?clientId= or a random hex, the
 * connect `status` with `sid`, the reconnect `executing` replay, the feature_flags handshake on
 * the first text frame, targeted sends and broadcasts. Like 0.3.64 (Comfy-Org/ComfyUI#16010), a
 * socket that closes unregisters whatever socket holds its sid, even a newer one.
 */
import type { IncomingMessage } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { createRng } from "../../../src/util/rng.js";

export const SERVER_FEATURES = { supports_preview_metadata: true, max_upload_size: 104857600 } as const;

export interface WsHub {
  readonly server: WebSocketServer;
  send(event: string, data: unknown, sid: string | undefined): void;
  sendBinary(bytes: Buffer, sid: string | undefined): void;
  /** Whether that client negotiated supports_preview_metadata. */
  wantsMetadata(sid: string | undefined): boolean;
  /** Terminate every socket now (no close handshake). */
  dropAll(): void;
  close(): Promise<void>;
}

export interface HubState {
  queueRemaining(): number;
  /** The running prompt's client and last started node, for the reconnect replay. */
  current(): { clientId: string | undefined; lastNode: string | undefined };
}

export function createWsHub(state: HubState, seed: string): WsHub {
  const server = new WebSocketServer({ noServer: true });
  const sockets = new Map<string, WebSocket>();
  const flags = new Map<string, Record<string, unknown>>();
  const rng = createRng("fake-comfy-sid", seed);
  const hex = () => Array.from({ length: 32 }, () => rng.int(0, 15).toString(16)).join("");

  const sendTo = (ws: WebSocket, text: string | Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(text);
  };

  server.on("connection", (ws: WebSocket, req: IncomingMessage) => {
    const query = new URL(req.url ?? "/", "http://x").searchParams;
    const sid = query.get("clientId") || hex();
    sockets.set(sid, ws);
    sendTo(ws, JSON.stringify({ type: "status", data: { status: { exec_info: { queue_remaining: state.queueRemaining() } }, sid } }));
    const { clientId, lastNode } = state.current();
    if (clientId === sid && lastNode !== undefined) sendTo(ws, JSON.stringify({ type: "executing", data: { node: lastNode } }));
    let first = true;
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      try {
        const message = JSON.parse(String(data)) as { type?: unknown; data?: unknown };
        if (first && message.type === "feature_flags") {
          flags.set(sid, (message.data ?? {}) as Record<string, unknown>);
          sendTo(ws, JSON.stringify({ type: "feature_flags", data: SERVER_FEATURES }));
        }
      } catch {
        // The server logs and ignores frames that are not JSON.
      }
      first = false;
    });
    ws.on("close", () => {
      sockets.delete(sid);
      flags.delete(sid);
    });
    ws.on("error", () => undefined);
  });

  return {
    server,
    send(event, data, sid) {
      const text = JSON.stringify({ type: event, data });
      if (sid === undefined) for (const ws of sockets.values()) sendTo(ws, text);
      else if (sockets.has(sid)) sendTo(sockets.get(sid)!, text);
    },
    sendBinary(bytes, sid) {
      if (sid === undefined) for (const ws of sockets.values()) sendTo(ws, bytes);
      else if (sockets.has(sid)) sendTo(sockets.get(sid)!, bytes);
    },
    wantsMetadata: (sid) => sid !== undefined && flags.get(sid)?.["supports_preview_metadata"] === true,
    dropAll() {
      for (const ws of server.clients) ws.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of server.clients) ws.terminate();
        server.close(() => resolve());
      }),
  };
}
