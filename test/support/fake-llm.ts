/**
 * A fake model server on 127.0.0.1 that speaks both APIs the captioners use: the OpenAI-compatible
 * /v1/chat/completions and /v1/embeddings, and Ollama's native /api/chat and /api/embed. It
 * records every request (headers and JSON body), answers from a script, counts requests in
 * flight, and can fail the next requests with an HTTP status or hang them (for timeouts).
 *
 *   const fake = await startFakeLlm({ answer: (call) => call.prompt.includes("region") ? "A dog." : "..." });
 *   fake.failNext(2, 500); fake.hangNext(1);
 *   ... fake.requests, fake.maxInFlight ...
 *   await fake.close();
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** A chat call as the script sees it, whichever API carried it. */
export interface ChatCall {
  readonly api: "openai" | "ollama";
  readonly model: string;
  /** The text of the last user message. */
  readonly prompt: string;
  /** The images of the last user message as base64 (data-URI prefixes removed). */
  readonly images: readonly string[];
  readonly request: RecordedRequest;
}

export interface Reply {
  readonly status?: number;
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Never answer (the client's timeout ends it; close() drops the connection). */
  readonly hang?: boolean;
  /** Answer after this many ms (to make requests overlap). */
  readonly delayMs?: number;
}

export interface FakeLlmOptions {
  /** The assistant text for a chat call. Default: "A scripted answer." */
  answer?: (call: ChatCall) => string | Promise<string>;
  /** The embedding of a text. Default: letter counts a-z (texts with the same letters embed alike). */
  embed?: (text: string, model: string) => number[];
  /** Overrides everything for a request when it returns a Reply. */
  intercept?: (request: RecordedRequest) => Reply | undefined | Promise<Reply | undefined>;
  /** Delay of every answer, in ms. Default 0. */
  delayMs?: number;
}

export interface FakeLlm {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The chat calls among the requests, in arrival order. */
  chatCalls(): ChatCall[];
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** The next `count` requests answer `status` (with Retry-After when given). */
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  /** The next `count` requests never answer. */
  hangNext(count: number): void;
  close(): Promise<void>;
}

export function letterEmbedding(text: string): number[] {
  const v = new Array<number>(26).fill(0);
  for (const c of text.toLowerCase()) {
    const i = c.charCodeAt(0) - 97;
    if (i >= 0 && i < 26) v[i]! += 1;
  }
  return v;
}

type Json = Record<string, unknown>;

function chatCallOf(request: RecordedRequest): ChatCall {
  const body = request.body as Json;
  const messages = (body["messages"] as Json[] | undefined) ?? [];
  const last = [...messages].reverse().find((m) => m["role"] === "user") ?? {};
  const api = request.path.startsWith("/api/") ? "ollama" : "openai";
  let prompt = "";
  const images: string[] = [];
  const content = last["content"];
  if (typeof content === "string") prompt = content;
  else if (Array.isArray(content)) {
    for (const part of content as Json[]) {
      if (part["type"] === "text") prompt += String(part["text"]);
      if (part["type"] === "image_url") {
        const url = String((part["image_url"] as Json)["url"]);
        images.push(url.slice(url.indexOf(",") + 1));
      }
    }
  }
  for (const image of (last["images"] as string[] | undefined) ?? []) images.push(image);
  return { api, model: String(body["model"]), prompt, images, request };
}

export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const requests: RecordedRequest[] = [];
  const faults: Array<{ status: number; retryAfter?: number } | "hang"> = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;
  const answer = options.answer ?? (() => "A scripted answer.");
  const embed = options.embed ?? ((text: string) => letterEmbedding(text));

  const route = async (request: RecordedRequest): Promise<Reply> => {
    const fault = faults.shift();
    if (fault === "hang") return { hang: true };
    if (fault) {
      return {
        status: fault.status,
        text: fault.status === 429 ? "rate limited" : "fake server error",
        ...(fault.retryAfter === undefined ? {} : { headers: { "retry-after": String(fault.retryAfter) } }),
      };
    }
    const intercepted = await options.intercept?.(request);
    if (intercepted) return intercepted;
    const body = request.body as Json;
    switch (request.path) {
      case "/v1/chat/completions":
        return {
          json: {
            id: `chatcmpl-${requests.length}`,
            object: "chat.completion",
            model: body["model"],
            choices: [{ index: 0, message: { role: "assistant", content: await answer(chatCallOf(request)) }, finish_reason: "stop" }],
          },
        };
      case "/api/chat":
        return { json: { model: body["model"], message: { role: "assistant", content: await answer(chatCallOf(request)) }, done: true } };
      case "/v1/embeddings": {
        const input = body["input"] as string[];
        return { json: { object: "list", data: input.map((t, index) => ({ object: "embedding", index, embedding: embed(t, String(body["model"])) })) } };
      }
      case "/api/embed":
        return { json: { model: body["model"], embeddings: (body["input"] as string[]).map((t) => embed(t, String(body["model"]))) } };
      default:
        return { status: 404, text: `404 page not found: ${request.path}` };
    }
  };

  const send = (res: ServerResponse, reply: Reply): void => {
    const status = reply.status ?? 200;
    const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? "");
    res.writeHead(status, {
      "content-type": reply.json !== undefined ? "application/json" : "text/plain",
      ...(reply.headers ?? {}),
    });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // recorded as text
      }
      const request: RecordedRequest = { method: req.method ?? "", path: (req.url ?? "").split("?")[0]!, headers: req.headers, body };
      requests.push(request);
      void route(request).then(
        async (reply) => {
          if (reply.hang) {
            res.on("close", () => inFlight--);
            return;
          }
          const delay = reply.delayMs ?? options.delayMs ?? 0;
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          inFlight--;
          if (!res.destroyed) send(res, reply);
        },
        (error: unknown) => {
          inFlight--;
          send(res, { status: 500, text: String(error) });
        },
      );
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    chatCalls: () => requests.filter((r) => r.path.endsWith("/chat") || r.path.endsWith("/chat/completions")).map(chatCallOf),
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    failNext(count, status, retryAfter) {
      for (let i = 0; i < count; i++) faults.push(retryAfter === undefined ? { status } : { status, retryAfter });
    },
    hangNext(count) {
      for (let i = 0; i < count; i++) faults.push("hang");
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
