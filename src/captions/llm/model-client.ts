import type { Endpoint } from "./endpoint.js";
import { openAiClient } from "./openai-chat.js";
import { ollamaClient } from "./ollama.js";

/** One chat turn for a model: a prompt, optional images, and the sampling settings. */
export interface ChatRequest {
  readonly system?: string;
  readonly prompt: string;
  /** Encoded PNG or JPEG files, sent in this order after the text. */
  readonly images?: readonly Uint8Array[];
  readonly temperature: number;
  readonly maxTokens: number;
  /** Sampling seed, for servers that honour one (Ollama, vLLM, llama.cpp). */
  readonly seed?: number;
}

/** What the captioners need from a server, whatever API it speaks. */
export interface ModelClient {
  readonly endpoint: Endpoint;
  /** The assistant's answer text. */
  chat(request: ChatRequest, signal?: AbortSignal): Promise<string>;
  /** One embedding vector per text, with `model` (an embedding model on the same server). */
  embed(texts: readonly string[], model: string, signal?: AbortSignal): Promise<number[][]>;
}

export function createModelClient(endpoint: Endpoint): ModelClient {
  return endpoint.api === "openai" ? openAiClient(endpoint) : ollamaClient(endpoint);
}
