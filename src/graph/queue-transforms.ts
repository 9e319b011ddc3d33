/**
 * What ComfyUI's editor does to some widget values each time it queues a prompt, done here for
 * each sample instead:
 * - a STRING widget declared `dynamicPrompts` (CLIPTextEncode's text) loses its comments
 *   (`/* ... *\/` and `// ...` to the end of the line, URLs included, as in the editor) and each
 *   `{a|b|c}` becomes one of its options, innermost first, so one workflow yields varied prompts;
 * - a `filename_prefix` gets `%date:FORMAT%` (yyyy yy MM M dd d hh h mm m ss s) and
 *   `%Title.widget%` (a widget value of the node with that title) filled in.
 * Pure: the caller gives the random stream and the date.
 */
import type { ApiPrompt } from "./api-prompt.js";
import type { Rng } from "../util/rng.js";

/** `{...}` without braces inside: the innermost group, replaced first. */
const INNERMOST = /\{([^{}]*)\}/;

/** The editor's dynamic prompt: comments dropped, then every choice group resolved with `rng`. */
export function dynamicPrompt(text: string, rng: Rng): string {
  let out = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
  // Each pass removes one pair of braces, so this ends; the bound guards against pathological input.
  for (let guard = 0; guard < 10_000; guard++) {
    const match = INNERMOST.exec(out);
    if (!match) break;
    const options = match[1]!.split("|");
    const pick = options[rng.int(0, options.length - 1)]!;
    out = out.slice(0, match.index) + pick + out.slice(match.index + match[0].length);
  }
  return out;
}

const DATE_TOKENS = /yyyy|yy|MM|M|dd|d|hh|h|mm|m|ss|s/g;

/**
 * `%date:FORMAT%` and `%Title.widget%` in a filename prefix; unknown titles are left as they are.
 * A node without a saved title goes by its class's display name, as in the editor.
 */
export function filenamePrefix(prefix: string, prompt: ApiPrompt, now: Date, displayName: (classType: string) => string | undefined = () => undefined): string {
  return prefix.replace(/%([^%]+)%/g, (whole, key: string) => {
    if (key.startsWith("date:")) return formatDate(key.slice(5), now);
    const dot = key.lastIndexOf(".");
    if (dot <= 0) return whole;
    const title = key.slice(0, dot);
    const widget = key.slice(dot + 1);
    const node = Object.values(prompt).find((n) => (n._meta?.title ?? displayName(n.class_type)) === title);
    const value = node?.inputs[widget];
    return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : whole;
  });
}

function formatDate(format: string, d: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const parts: Record<string, string> = {
    yyyy: String(d.getFullYear()),
    yy: pad(d.getFullYear() % 100),
    MM: pad(d.getMonth() + 1),
    M: String(d.getMonth() + 1),
    dd: pad(d.getDate()),
    d: String(d.getDate()),
    hh: pad(d.getHours()),
    h: String(d.getHours()),
    mm: pad(d.getMinutes()),
    m: String(d.getMinutes()),
    ss: pad(d.getSeconds()),
    s: String(d.getSeconds()),
  };
  return format.replace(DATE_TOKENS, (token) => parts[token]!);
}
