// A tiny scriptable HTTP + WebSocket server for unit tests of the transport and the session.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface StubRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type StubHandler = (request: StubRequest, response: ServerResponse) => void;

export interface StubServer {
  url: string;
  requests: StubRequest[];
  /** Every WebSocket connection made, with the client's frames. */
  sockets: Array<{ socket: WebSocket; url: string; headers: IncomingMessage["headers"]; frames: string[]; closed: boolean }>;
  handle(handler: StubHandler): void;
  /** Refuse upgrades with this status (e.g. 403) while set. */
  refuseUpgrades(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startStub(options: { autoPong?: boolean } = {}): Promise<StubServer> {
  let handler: StubHandler = (_req, res) => {
    res.writeHead(404).end();
  };
  let refuse: number | undefined;
  const requests: StubRequest[] = [];
  const sockets: StubServer["sockets"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(request);
      handler(request, res);
    });
  });
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
  server.on("upgrade", (req, socket, head) => {
    if (refuse !== undefined) {
      socket.end(`HTTP/1.1 ${refuse} Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      sockets.push({ socket: undefined as never, url: req.url ?? "", headers: req.headers, frames: [], closed: true });
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const entry = { socket: ws, url: req.url ?? "", headers: req.headers, frames: [] as string[], closed: false };
      sockets.push(entry);
      ws.on("message", (data) => entry.frames.push(String(data)));
      ws.on("close", () => (entry.closed = true));
      ws.send(JSON.stringify({ type: "status", data: { status: { exec_info: { queue_remaining: 0 } }, sid: "x" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sockets,
    handle(next) {
      handler = next;
    },
    refuseUpgrades(status) {
      refuse = status;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits until `predicate` holds, polling every 5 ms (fails the test after `ms`). */
export async function until(predicate: () => boolean, ms = 5_000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
