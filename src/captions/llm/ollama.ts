import { z } from "zod";
import { ImgDiffError } from "../../errors.js";
import type { Endpoint } from "./endpoint.js";
import type { ChatRequest, ModelClient } from "./model-client.js";
import { base64, imageMime } from "./image-parts.js";

/**
 * Ollama's native API (ollama/ollama docs/api.md): POST /api/chat, non-streaming, with the images
 * as plain base64 strings (no data: prefix) in the message's `images`, sampling settings under
 * `options`; POST /api/embed for embeddings. Works with Ollama versions whose /v1 has no vision.
 */

const ChatAnswer = z.object({ message: z.object({ content: z.string() }) });
const EmbedAnswer = z.object({ embeddings: z.array(z.array(z.number())) });

export function ollamaChatBody(model: string, request: ChatRequest): Record<string, unknown> {
  const images = (request.images ?? []).map((bytes) => {
    imageMime(bytes); // only PNG and JPEG are accepted by the vision models
    return base64(bytes);
  });
  const user = images.length === 0 ? { role: "user", content: request.prompt } : { role: "user", content: request.prompt, images };
  return {
    model,
    stream: false,
    messages: [...(request.system ? [{ role: "system", content: request.system }] : []), user],
    options: {
      temperature: request.temperature,
      num_predict: request.maxTokens,
      ...(request.seed === undefined ? {} : { seed: request.seed }),
    },
  };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string, endpoint: Endpoint): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ImgDiffError(
      "MODEL_BAD_RESPONSE",
      `${endpoint.url.origin}: the ${what} answer does not have Ollama's shape (${parsed.error.issues[0]?.path.join(".") || "body"}: ${parsed.error.issues[0]?.message})`,
    );
  }
  return parsed.data;
}

export function ollamaClient(endpoint: Endpoint): ModelClient {
  return {
    endpoint,
    async chat(request, signal) {
      const answer = await endpoint.post("api/chat", ollamaChatBody(endpoint.model, request), signal);
      return parse(ChatAnswer, answer, "/api/chat", endpoint).message.content;
    },
    async embed(texts, model, signal) {
      const answer = await endpoint.post("api/embed", { model, input: texts }, signal);
      const { embeddings } = parse(EmbedAnswer, answer, "/api/embed", endpoint);
      if (embeddings.length !== texts.length) {
        throw new ImgDiffError("MODEL_BAD_RESPONSE", `${endpoint.url.origin}: asked for ${texts.length} embeddings, received ${embeddings.length}`);
      }
      return embeddings;
    },
  };
}
