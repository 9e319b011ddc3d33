import { z } from "zod";
import { ImgDiffError } from "../../errors.js";
import type { Endpoint } from "./endpoint.js";
import type { ChatRequest, ModelClient } from "./model-client.js";
import { base64, imageMime } from "./image-parts.js";

/**
 * The OpenAI-compatible API that vLLM, LM Studio, llama.cpp's llama-server and Ollama's /v1 all
 * serve: POST /v1/chat/completions with the images as `image_url` content parts holding base64
 * data URIs (the object form {url}, the portable one), and POST /v1/embeddings. A base URL that
 * already ends in /v1 (LM Studio's usual "http://localhost:1234/v1") is not given a second one.
 */

const ChatAnswer = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});
const EmbeddingAnswer = z.object({
  data: z.array(z.object({ embedding: z.array(z.number()), index: z.number().int().optional() })),
});

export function openAiChatBody(model: string, request: ChatRequest): Record<string, unknown> {
  const images = request.images ?? [];
  const content =
    images.length === 0
      ? request.prompt
      : [
          { type: "text", text: request.prompt },
          ...images.map((bytes) => ({ type: "image_url", image_url: { url: `data:${imageMime(bytes)};base64,${base64(bytes)}` } })),
        ];
  const messages = [...(request.system ? [{ role: "system", content: request.system }] : []), { role: "user", content }];
  return {
    model,
    messages,
    temperature: request.temperature,
    max_tokens: request.maxTokens,
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    stream: false,
  };
}

function prefix(endpoint: Endpoint): string {
  return endpoint.url.pathname.replace(/\/+$/, "").endsWith("/v1") ? "" : "v1/";
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string, endpoint: Endpoint): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ImgDiffError(
      "MODEL_BAD_RESPONSE",
      `${endpoint.url.origin}: the ${what} answer does not have the OpenAI shape (${parsed.error.issues[0]?.path.join(".") || "body"}: ${parsed.error.issues[0]?.message})`,
    );
  }
  return parsed.data;
}

export function openAiClient(endpoint: Endpoint): ModelClient {
  return {
    endpoint,
    async chat(request, signal) {
      const answer = await endpoint.post(`${prefix(endpoint)}chat/completions`, openAiChatBody(endpoint.model, request), signal);
      return parse(ChatAnswer, answer, "chat", endpoint).choices[0]!.message.content ?? "";
    },
    async embed(texts, model, signal) {
      const answer = await endpoint.post(`${prefix(endpoint)}embeddings`, { model, input: texts }, signal);
      const { data } = parse(EmbeddingAnswer, answer, "embeddings", endpoint);
      if (data.length !== texts.length) {
        throw new ImgDiffError("MODEL_BAD_RESPONSE", `${endpoint.url.origin}: asked for ${texts.length} embeddings, received ${data.length}`);
      }
      // Servers may return the items in any order; `index` says which input each belongs to.
      return [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((d) => d.embedding);
    },
  };
}
