import { ImgDiffError } from "../../errors.js";

/**
 * Which model endpoints a run may contact. A shared workflow is untrusted input: its endpoint
 * widget could point at any server, and the request would carry the user's images, captions and
 * API key there. So only loopback servers are allowed by default; any other origin must be named
 * by the user, in the environment variable IMGDIFF_ALLOW_ENDPOINTS (comma-separated origins such
 * as "https://api.example.com,http://10.0.0.5:8000"). A CLI flag `--allow-endpoint ORIGIN` adds
 * to the same list by setting that variable before the run.
 */
export const ALLOW_ENDPOINTS_ENV = "IMGDIFF_ALLOW_ENDPOINTS";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The origins named in IMGDIFF_ALLOW_ENDPOINTS, normalised ("HTTP://Host:80/" -> "http://host"). */
export function allowedOrigins(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const origins = new Set<string>();
  for (const item of (env[ALLOW_ENDPOINTS_ENV] ?? "").split(",")) {
    const text = item.trim();
    if (text === "") continue;
    try {
      origins.add(new URL(text).origin);
    } catch {
      throw new ImgDiffError(
        "ENDPOINT_ALLOW_LIST_INVALID",
        `${ALLOW_ENDPOINTS_ENV}: expected comma-separated origins like "https://host:port", received the item ${JSON.stringify(text)}`,
      );
    }
  }
  return origins;
}

/**
 * Parses an endpoint URL and checks that the run may contact it; returns the URL. `source` names
 * the widget for the message (e.g. "node 4 (ImgDiff.VLMDifferenceCaption) endpoint").
 */
export function checkEndpoint(url: string, source = "endpoint", env: NodeJS.ProcessEnv = process.env): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new ImgDiffError("ENDPOINT_INVALID", `${source}: expected an http(s) URL such as "http://127.0.0.1:11434", received ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ImgDiffError("ENDPOINT_INVALID", `${source}: expected an http: or https: URL, received the scheme "${parsed.protocol}"`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    // Credentials in the URL would be written into every workflow that carries it.
    throw new ImgDiffError(
      "ENDPOINT_CREDENTIALS_IN_URL",
      `${source}: the URL must not carry a user name or password; put the API key in an environment variable and name that variable in the api_key_env widget`,
    );
  }
  if (LOOPBACK_HOSTS.has(parsed.hostname) || allowedOrigins(env).has(parsed.origin)) return parsed;
  throw new ImgDiffError(
    "ENDPOINT_NOT_ALLOWED",
    `${source}: ${parsed.origin} is not an allowed model endpoint. Only loopback servers (127.0.0.1, localhost, [::1]) are contacted by default, ` +
      `because a shared workflow could name any server. If you trust this one, set ${ALLOW_ENDPOINTS_ENV}=${parsed.origin} (comma-separated for several) or pass --allow-endpoint ${parsed.origin}`,
  );
}
