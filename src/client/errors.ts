/**
 * Errors of the ComfyUI client. Each class has one stable `code`, so callers (the pool, the batch
 * runner) decide on codes: a validation or execution error is final for the job, while a lost
 * connection or a gone server means "try elsewhere".
 */
import { ImgDiffError } from "../errors.js";
import type { NodeErrorMap, PromptErrorBody } from "./http-schemas.js";

/** An HTTP status other than the one expected, with the body as text (ComfyUI often sends none). */
export class ComfyHttpError extends ImgDiffError {
  readonly status: number;
  readonly route: string;
  readonly body: string;

  constructor(route: string, status: number, body: string, server: string) {
    const shown = body.trim() === "" ? "an empty body" : `body ${JSON.stringify(body.slice(0, 300))}`;
    super("comfy_http_status", `${server} ${route}: expected a 2xx response, received HTTP ${status} with ${shown}`);
    this.status = status;
    this.route = route;
    this.body = body;
  }
}

/** A 2xx body that does not have the documented shape. */
export class ComfyProtocolError extends ImgDiffError {
  readonly route: string;

  constructor(route: string, message: string, options?: { cause?: unknown }) {
    super("comfy_protocol", `${route}: ${message}`, options);
    this.route = route;
  }
}

/** POST /prompt answered 400: the prompt is invalid. `nodeErrors` holds the per-node errors. */
export class ComfyValidationError extends ImgDiffError {
  readonly errorType: string;
  readonly nodeErrors: NodeErrorMap;
  readonly details: string;

  constructor(body: PromptErrorBody) {
    const nodes = Object.entries(body.node_errors ?? {}).map(([id, entry]) => {
      const first = entry.errors[0];
      const what = first ? `${first.message}${first.details ? `: ${first.details}` : ""}` : "invalid";
      return `node ${id} (${entry.class_type}): ${what}`;
    });
    const error = typeof body.error === "string" ? { type: "error", message: body.error, details: "" } : body.error;
    const suffix = nodes.length > 0 ? ` — ${nodes.join("; ")}` : error.details ? ` — ${error.details}` : "";
    super("comfy_validation", `ComfyUI rejected the prompt (${error.type}): ${error.message}${suffix}`);
    this.errorType = error.type;
    this.details = error.details ?? "";
    this.nodeErrors = body.node_errors ?? {};
  }
}

export interface ExecutionFailure {
  promptId: string;
  nodeId: string;
  classType: string;
  exceptionType: string;
  exceptionMessage: string;
  traceback: string[];
}

/** A node raised while the prompt ran (WS `execution_error` / history status "error"). */
export class ComfyExecutionError extends ImgDiffError implements ExecutionFailure {
  readonly promptId: string;
  readonly nodeId: string;
  readonly classType: string;
  readonly exceptionType: string;
  readonly exceptionMessage: string;
  readonly traceback: string[];

  constructor(failure: ExecutionFailure) {
    super(
      "comfy_execution",
      `prompt ${failure.promptId}: node ${failure.nodeId} (${failure.classType}) raised ${failure.exceptionType}: ${failure.exceptionMessage.trim()}`,
    );
    this.promptId = failure.promptId;
    this.nodeId = failure.nodeId;
    this.classType = failure.classType;
    this.exceptionType = failure.exceptionType;
    this.exceptionMessage = failure.exceptionMessage;
    this.traceback = failure.traceback;
  }
}

/** The prompt was interrupted (by us, or by anyone calling /interrupt). */
export class ComfyInterruptedError extends ImgDiffError {
  readonly promptId: string;
  readonly nodeId: string | null;

  constructor(promptId: string, nodeId: string | null, classType: string | null) {
    const where = nodeId ? ` at node ${nodeId}${classType ? ` (${classType})` : ""}` : "";
    super("comfy_interrupted", `prompt ${promptId} was interrupted${where}`);
    this.promptId = promptId;
    this.nodeId = nodeId;
  }
}

/** A call or a wait took longer than its time limit. */
export class ComfyTimeoutError extends ImgDiffError {
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super("comfy_timeout", `${what} did not finish within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired. */
export class ComfyAbortError extends ImgDiffError {
  constructor(what: string, options?: { cause?: unknown }) {
    super("comfy_aborted", `${what} was aborted by the caller`, options);
  }
}

/** The server could not be reached (refused, reset, DNS) for one request. */
export class ComfyConnectionError extends ImgDiffError {
  readonly server: string;

  constructor(server: string, what: string, options?: { cause?: unknown }) {
    const cause = options?.cause instanceof Error ? `: ${describeCause(options.cause)}` : "";
    super("comfy_connection_lost", `${what}: connection to ${server} failed${cause}`, options);
    this.server = server;
  }
}

/**
 * The server stayed unreachable past the give-up time, or came back without our prompt in its
 * queue or history (a restart lost it). The prompt did not finish there; it may run elsewhere.
 */
export class ComfyServerGoneError extends ImgDiffError {
  readonly server: string;
  readonly promptId: string;

  constructor(server: string, promptId: string, reason: string) {
    super("comfy_server_gone", `prompt ${promptId} on ${server}: ${reason}`);
    this.server = server;
    this.promptId = promptId;
  }
}

/** ServerPool: the pool was closed, had no servers, or a job's servers failed too often. */
export class PoolError extends ImgDiffError {}

function describeCause(error: Error): string {
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? `${code} (${error.message})` : error.message;
}

/** Errors after which the same prompt may be retried on another server. */
export function isServerFault(error: unknown): boolean {
  return error instanceof ComfyServerGoneError || error instanceof ComfyConnectionError;
}
