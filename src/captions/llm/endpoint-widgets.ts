import { combo, int, string } from "../../nodes/inputs.js";
import type { NodeContext } from "../../nodes/define.js";
import { API_STYLES, DEFAULT_API_KEY_ENV, createEndpoint, type ApiStyle } from "./endpoint.js";
import { createModelClient, type ModelClient } from "./model-client.js";

/**
 * The widgets every model-backed node shows: where the server is, which model, which API, and
 * the NAME of the variable holding the key. The key itself never appears in a widget, so it
 * cannot be saved into a workflow; the endpoint is checked against the allow-list before use.
 */
export function endpointWidgets(defaults: { readonly url: string; readonly model: string; readonly api: ApiStyle }) {
  return {
    endpoint: string({
      default: defaults.url,
      tooltip: "Base URL of the model server. Loopback only, unless IMGDIFF_ALLOW_ENDPOINTS (or --allow-endpoint) names its origin.",
    }),
    model: string({ default: defaults.model, tooltip: "Model name as the server knows it." }),
    api: combo(API_STYLES, {
      default: defaults.api,
      tooltip: "openai: /v1/chat/completions (vLLM, LM Studio, llama.cpp, Ollama /v1); ollama: Ollama's native /api/chat.",
    }),
    api_key_env: string({
      default: DEFAULT_API_KEY_ENV,
      tooltip: "NAME of the environment variable holding the API key (never the key itself). Empty or unset: no key is sent.",
    }),
    timeout_seconds: int({ default: 120, min: 1, max: 3600, tooltip: "Per request attempt." }),
    max_retries: int({ default: 3, min: 0, max: 10, tooltip: "Retries on HTTP 429, 5xx, timeouts and refused connections, with backoff." }),
    concurrency: int({ default: 2, min: 1, max: 64, tooltip: "Requests in flight to this endpoint at once, across all samples." }),
  };
}

export interface EndpointWidgetValues {
  readonly endpoint: string;
  readonly model: string;
  readonly api: ApiStyle;
  readonly api_key_env: string;
  readonly timeout_seconds: number;
  readonly max_retries: number;
  readonly concurrency: number;
}

export function clientFromWidgets(values: EndpointWidgetValues, context: Pick<NodeContext, "nodeId" | "classType">): ModelClient {
  return createModelClient(
    createEndpoint({
      url: values.endpoint,
      model: values.model,
      api: values.api,
      apiKeyEnv: values.api_key_env.trim(),
      timeoutMs: values.timeout_seconds * 1000,
      maxRetries: values.max_retries,
      concurrency: values.concurrency,
      source: `node ${context.nodeId} (${context.classType})`,
    }),
  );
}
