/**
 * The low layer: base URL, fetch (injectable: the global one by default, node-fetch works too),
 * extra headers, per-call time limits and AbortSignals, the `/api` prefix, and bodies read as
 * bytes first so a 500 with a text body is reported as what it is, never as a JSON parse error.
 * It knows HTTP, not ComfyUI: the routes live in routes.ts.
 */
import type { z } from "zod";
import { deadline } from "./deadline.js";
import { ComfyAbortError, ComfyConnectionError, ComfyHttpError, ComfyProtocolError, ComfyTimeoutError } from "./errors.js";

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  /** A Buffer rather than a plain Uint8Array: node-fetch's types accept only the former. */
  body?: string | Buffer;
  signal: AbortSignal;
}
export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}
/** The part of `fetch` we use; both the global fetch and node-fetch satisfy it. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponseLike>;

export interface TransportOptions {
  baseUrl: string;
  fetch?: FetchLike;
  /** Sent with every request (e.g. Authorization for a server behind a proxy). */
  headers?: Record<string, string>;
  /** Default time limit per request. */
  requestTimeoutMs?: number;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  body?: { bytes: Uint8Array; contentType: string };
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface TransportResponse {
  status: number;
  contentType: string;
  bytes: Uint8Array;
  text(): string;
}

export interface Transport {
  readonly baseUrl: string;
  /** Any status comes back; only network failures, timeouts and aborts throw. */
  request(method: string, path: string, options?: RequestOptions): Promise<TransportResponse>;
  /** 2xx JSON parsed by `schema`; anything else throws a typed error. */
  json<S extends z.ZodType>(method: string, path: string, schema: S, options?: RequestOptions): Promise<z.output<S>>;
  /** 2xx, body ignored (ComfyUI's action routes answer an empty 200). */
  empty(method: string, path: string, options?: RequestOptions): Promise<void>;
  /** 2xx, body as bytes. */
  bytes(method: string, path: string, options?: RequestOptions): Promise<Uint8Array>;
  /** "/api" or "", found by one probe on first use. */
  apiPrefix(signal?: AbortSignal): Promise<string>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const utf8 = new TextDecoder("utf-8");

export function createTransport(options: TransportOptions): Transport {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const doFetch: FetchLike = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  // ComfyUI answers 403 to a loopback request whose Origin names another host; a Node client
  // has no origin, so none is ever sent, even if the caller's headers carry one.
  const extraHeaders = Object.fromEntries(
    Object.entries(options.headers ?? {}).filter(([name]) => name.toLowerCase() !== "origin"),
  );
  const defaultTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  let prefix: Promise<string> | undefined;

  async function raw(method: string, url: string, route: string, request: RequestOptions): Promise<TransportResponse> {
    const what = `${method} ${route} on ${baseUrl}`;
    const limit = deadline(what, request.timeoutMs ?? defaultTimeout, request.signal);
    const headers: Record<string, string> = { accept: "application/json, */*", ...extraHeaders };
    let body: string | Buffer | undefined;
    if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    } else if (request.body) {
      headers["content-type"] = request.body.contentType;
      const bytes = request.body.bytes;
      body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    try {
      const response = await doFetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: limit.signal });
      const bytes = new Uint8Array(await response.arrayBuffer());
      return {
        status: response.status,
        contentType: response.headers.get("content-type") ?? "",
        bytes,
        text: () => utf8.decode(bytes),
      };
    } catch (error) {
      const reason: unknown = limit.signal.reason;
      if (limit.signal.aborted && (reason instanceof ComfyTimeoutError || reason instanceof ComfyAbortError)) throw reason;
      throw new ComfyConnectionError(baseUrl, what, { cause: error });
    } finally {
      limit.dispose();
    }
  }

  function apiPrefix(signal?: AbortSignal): Promise<string> {
    prefix ??= raw("GET", `${baseUrl}/api/system_stats`, "/api/system_stats", { signal }).then(
      // 404: a server (or proxy) without the /api duplicates; anything else: /api is there.
      (response) => (response.status === 404 ? "" : "/api"),
      (error: unknown) => {
        prefix = undefined; // not reachable yet: probe again next time
        throw error;
      },
    );
    return prefix;
  }

  async function request(method: string, path: string, options: RequestOptions = {}): Promise<TransportResponse> {
    // Routes declared with the prefix (/api/jobs) have no bare twin; the others get the probe's answer.
    const full = path.startsWith("/api/") ? path : `${await apiPrefix(options.signal)}${path}`;
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(key, String(value));
    const search = query.size > 0 ? `?${query.toString()}` : "";
    return raw(method, `${baseUrl}${full}${search}`, path, options);
  }

  async function ok(method: string, path: string, options: RequestOptions | undefined): Promise<TransportResponse> {
    const response = await request(method, path, options);
    if (response.status < 200 || response.status > 299) {
      throw new ComfyHttpError(`${method} ${path}`, response.status, response.text(), baseUrl);
    }
    return response;
  }

  return {
    baseUrl,
    request,
    apiPrefix,
    async json(method, path, schema, options) {
      const response = await ok(method, path, options);
      const text = response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new ComfyProtocolError(
          `${method} ${path}`,
          `expected a JSON body, received ${response.contentType || "no content type"}: ${JSON.stringify(text.slice(0, 200))}`,
          { cause: error },
        );
      }
      const result = schema.safeParse(parsed);
      if (!result.success) {
        throw new ComfyProtocolError(`${method} ${path}`, `unexpected response shape: ${result.error.message.slice(0, 500)}`);
      }
      return result.data;
    },
    async empty(method, path, options) {
      await ok(method, path, options);
    },
    async bytes(method, path, options) {
      return (await ok(method, path, options)).bytes;
    },
  };
}
