/** Response helpers with aiohttp's headers and empty-body conventions. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";

export const SERVER_HEADER = "Python/3.11 aiohttp/3.8.4";
export const MAX_UPLOAD = 104857600;

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage, limit = MAX_UPLOAD): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      parts.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(parts)));
    req.on("error", reject);
  });
}

export function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": text.length, Server: SERVER_HEADER });
  res.end(text);
}

/** web.Response(status=N): no body, application/octet-stream. */
export function sendEmpty(res: ServerResponse, status = 200): void {
  res.writeHead(status, { "Content-Type": "application/octet-stream", "Content-Length": 0, Server: SERVER_HEADER });
  res.end();
}

export function sendText(res: ServerResponse, status: number, text: string, type = "text/plain; charset=utf-8"): void {
  const body = Buffer.from(text);
  res.writeHead(status, { "Content-Type": type, "Content-Length": body.length, Server: SERVER_HEADER });
  res.end(body);
}

/** aiohttp's text body for an error status ("500 Internal Server Error\n\nServer got itself in trouble"). */
export function sendServerError(res: ServerResponse, status = 500): void {
  const reason = STATUS_CODES[status] ?? "Error";
  const detail = status === 500 ? "Server got itself in trouble" : reason;
  sendText(res, status, `${status} ${reason}\n\n${detail}`);
}

export function sendNotFound(res: ServerResponse): void {
  sendText(res, 404, "404: Not Found");
}
