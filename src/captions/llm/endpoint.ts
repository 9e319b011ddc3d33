import { setTimeout as sleep } from "node:timers/promises";
import { ImgDiffError } from "../../errors.js";
import { createRng, type Rng } from "../../util/rng.js";
import { checkEndpoint } from "./allow-list.js";
import { limiterFor, type Limiter } from "./limiter.js";

/**
 * One model server as the captioners use it: JSON POSTs with a per-attempt timeout, retries with
 * capped jittered backoff on 429, 5xx, timeouts and refused connections, and the process-wide
 * concurrency limit of the endpoint. The API key is read from the environment variable the user
 * names, when the endpoint is created (at run time), and lives only in this closure: it is sent
 * as a header and removed from any text that could reach an error message.
 */

export type ApiStyle = "openai" | "ollama";
export const API_STYLES: readonly ApiStyle[] = ["openai", "ollama"];

/** Default name of the variable holding the API key. */
export const DEFAULT_API_KEY_ENV = "IMGDIFF_API_KEY";

export interface BackoffSchedule {
  /** Delay before the first retry, doubled for each further one. */
  readonly baseMs: number;
  /** No delay is longer than this (a server's Retry-After included). */
  readonly maxMs: number;
}

export interface EndpointOptions {
  /** Base URL of the server, e.g. "http://127.0.0.1:11434" or "http://localhost:1234/v1". */
  readonly url: string;
  readonly model: string;
  readonly api: ApiStyle;
  /** NAME of the environment variable with the API key; unset or empty variable = no key sent. */
  readonly apiKeyEnv?: string;
  /** Per attempt, response body included. Default 120 s. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt. Default 3. */
  readonly maxRetries?: number;
  /** Requests in flight to this endpoint, across the process. Default 2. */
  readonly concurrency?: number;
  /** Default 500 ms doubling, capped at 8 s. */
  readonly backoff?: BackoffSchedule;
  /** Default process.env: where the key and the allow-list are read. */
  readonly env?: NodeJS.ProcessEnv;
  /** Names the widget or input for messages, e.g. "node 4 (ImgDiff.LLMCaptionEdit)". */
  readonly source?: string;
}

export interface Endpoint {
  readonly url: URL;
  readonly model: string;
  readonly api: ApiStyle;
  /** POSTs `body` as JSON to `path` (relative to the base URL) and returns the parsed JSON answer. */
  post(path: string, body: unknown, signal?: AbortSignal): Promise<unknown>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Delay before retry number `retry` (0-based): half of min(maxMs, baseMs * 2^retry) plus a
 * random share of the other half, so parallel samples that failed together do not retry together.
 */
export function backoffDelay(retry: number, schedule: BackoffSchedule, rng: Rng): number {
  const ceiling = Math.min(schedule.maxMs, schedule.baseMs * 2 ** retry);
  return Math.round(ceiling / 2 + rng.float(0, ceiling / 2));
}

/** Retry-After in seconds (the form model servers send), capped; undefined when absent or a date. */
function retryAfterMs(header: string | null, maxMs: number): number | undefined {
  if (header === null || !/^\d+(\.\d+)?$/.test(header.trim())) return undefined;
  return Math.min(maxMs, Number(header) * 1000);
}

function redactor(secret: string | undefined): (text: string) => string {
  if (!secret) return (text) => text;
  return (text) => text.split(secret).join("[redacted]");
}

class RetriableError extends Error {
  constructor(
    readonly error: ImgDiffError,
    readonly waitMs?: number,
  ) {
    super(error.message);
  }
}

export function createEndpoint(options: EndpointOptions): Endpoint {
  const source = options.source ?? "model endpoint";
  const env = options.env ?? process.env;
  const url = checkEndpoint(options.url, `${source} endpoint`, env);
  if (options.model.trim() === "") {
    throw new ImgDiffError("MODEL_MISSING", `${source}: the model widget is empty; name the model the server should run, e.g. "llava:7b"`);
  }
  const keyEnv = options.apiKeyEnv ?? DEFAULT_API_KEY_ENV;
  if (keyEnv !== "" && !ENV_NAME.test(keyEnv)) {
    // Someone may paste the key itself here: never echo the value.
    throw new ImgDiffError(
      "API_KEY_ENV_INVALID",
      `${source}: api_key_env must be the NAME of an environment variable (letters, digits, _), not the key itself; received a value of ${keyEnv.length} characters that is not a variable name`,
    );
  }
  const key = keyEnv === "" ? undefined : env[keyEnv] || undefined;
  const redact = redactor(key);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxRetries = options.maxRetries ?? 3;
  const concurrency = options.concurrency ?? 2;
  const schedule = options.backoff ?? { baseMs: 500, maxMs: 8_000 };
  const limiter: Limiter = limiterFor(url);
  const base = url.href.endsWith("/") ? url.href : `${url.href}/`;
  let calls = 0;

  const attempt = async (target: string, body: string, signal: AbortSignal | undefined): Promise<unknown> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (key !== undefined) headers["authorization"] = `Bearer ${key}`;
    let text: string;
    let response: Response;
    try {
      response = await fetch(target, { method: "POST", headers, body, signal: combined });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new RetriableError(new ImgDiffError("MODEL_TIMEOUT", `${source}: ${target} gave no complete answer within ${timeoutMs} ms`));
      }
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new RetriableError(new ImgDiffError("MODEL_UNREACHABLE", `${source}: cannot reach ${target}: ${redact(cause)}`));
    }
    if (!response.ok) {
      const snippet = redact(text.slice(0, 300)).replace(/\s+/g, " ");
      const error = new ImgDiffError(
        "MODEL_HTTP_ERROR",
        `${source}: ${target} answered HTTP ${response.status}${snippet ? `: ${snippet}` : ""}` +
          (response.status === 401 || response.status === 403 ? ` (check the key in the variable named by api_key_env, "${keyEnv}")` : "") +
          (response.status === 404 ? ` (check the URL, the api style "${options.api}" and that the model "${options.model}" is pulled or served)` : ""),
      );
      if (response.status === 429 || response.status >= 500) {
        throw new RetriableError(error, retryAfterMs(response.headers.get("retry-after"), schedule.maxMs));
      }
      throw error;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ImgDiffError("MODEL_BAD_RESPONSE", `${source}: ${target} answered HTTP ${response.status} with a body that is not JSON: ${redact(text.slice(0, 200))}`);
    }
  };

  return {
    url,
    model: options.model.trim(),
    api: options.api,
    async post(path, payload, signal) {
      const target = new URL(path.replace(/^\/+/, ""), base).href;
      const body = JSON.stringify(payload);
      // The jitter is seeded by endpoint and call number: a rerun waits the same way.
      const rng = createRng("model-backoff", url.href, calls++);
      for (let retry = 0; ; retry++) {
        try {
          return await limiter.run(concurrency, () => attempt(target, body, signal), signal);
        } catch (error) {
          if (!(error instanceof RetriableError)) throw error;
          if (retry >= maxRetries) {
            throw new ImgDiffError(error.error.code, `${error.error.message} (gave up after ${retry + 1} attempts)`);
          }
          await sleep(error.waitMs ?? backoffDelay(retry, schedule, rng), undefined, signal ? { signal } : {}).catch((e: unknown) => {
            throw signal?.aborted ? signal.reason : e;
          });
        }
      }
    },
  };
}
