/**
 * Escaping for the report. Every text that reaches the page (captions, workflow titles, filter
 * reasons, error messages) comes from data that may hold anything, so it goes through these.
 */

/** Text for HTML/SVG element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON to embed in <script type="application/json">: "<" cannot open "</script>" or "<!--",
 * and the two line separators that old engines treat as newlines are escaped too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A dataset path (relative, forward slashes) as a relative URL, or null if it is anything else:
 * no scheme, no absolute path, no "..", so an image can only come from inside the run folder.
 */
export function relativeUrl(path: string): string | null {
  if (path.startsWith("/") || path.includes("\\") || path.includes(":")) return null;
  const segments = path.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) return null;
  return segments.map(encodeURIComponent).join("/");
}
