/** The ComfyUI client's public surface (re-exported by the package's src/index.ts). */
export { ComfyClient } from "./client.js";
export type { ComfyClientOptions, PromptSource } from "./client.js";
export { ServerPool } from "./pool.js";
export type { ServerPoolOptions, PoolRunResult, ServerStatus } from "./pool.js";
export type { ClientTimeouts } from "./context.js";
export type { RunOptions, RunResult, RunTimings, SubmitResult, WaitOptions } from "./run-prompt.js";
export type { RunProgress } from "./watch.js";
export type { NodeResult, OutputImage } from "./outputs.js";
export type { PromptWhereabouts } from "./submit.js";
export type { CallOptions, UploadData, UploadOptions, ImageRefInput } from "./routes.js";
export { createTransport } from "./transport.js";
export type { Transport, TransportOptions, FetchLike, FetchInit, FetchResponseLike, RequestOptions } from "./transport.js";
export { createSession } from "./session.js";
export type { ComfySession, SessionOptions, SessionEvents, SessionEvent, SessionState } from "./session.js";
export {
  ComfyHttpError,
  ComfyProtocolError,
  ComfyValidationError,
  ComfyExecutionError,
  ComfyInterruptedError,
  ComfyTimeoutError,
  ComfyAbortError,
  ComfyConnectionError,
  ComfyServerGoneError,
  PoolError,
  isServerFault,
} from "./errors.js";
export * from "./http-schemas.js";
export { WsDataSchemas, parseWsText, promptIdOf } from "./ws-messages.js";
export type { WsMessage, KnownWsMessage, UnknownWsMessage, WsMessageType, WsData, NodeProgress } from "./ws-messages.js";
export { parseBinaryFrame, encodeBinaryFrame, PreviewMetadataSchema } from "./binary-frames.js";
export type { BinaryFrame, PreviewMetadata } from "./binary-frames.js";
export { contentName, contentHash } from "./content-name.js";
