import path from "node:path";
import { lstatSync, type Stats } from "node:fs";
import { OutputPathError } from "../errors.js";

/**
 * Every file the dataset writer creates goes through resolveInside, so no id, object name or
 * server response can make it write outside the output folder, on Linux or on Windows. The rules
 * are strict on purpose (the names we generate never need more): a relative path of plain,
 * visible segments.
 *
 * The check is lexical. Symbolic links already inside the output folder are the caller's concern
 * (the writer refuses its own sub-folders when they are links).
 */

/** Longest segment, in UTF-8 bytes; file systems allow 255, and temp-file suffixes need room. */
export const MAX_SEGMENT_BYTES = 200;

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/** The value as it can appear in a message: quoted, control characters escaped, long values cut. */
function shown(value: string): string {
  const cut = value.length > 120 ? `${value.slice(0, 120)}... (${value.length} characters)` : value;
  return JSON.stringify(cut);
}

function reject(code: string, relative: string, why: string): never {
  throw new OutputPathError(code, `output path ${shown(relative)} ${why}; use a relative path of plain names inside the output folder`);
}

/**
 * The absolute path of `relative` inside `root`, or an OutputPathError:
 * - PATH_OUTSIDE_OUTPUT: absolute, drive-letter or UNC path, or a ".." segment;
 * - PATH_INVALID_CHARACTER: NUL or other control characters, backslashes, colons;
 * - PATH_INVALID_NAME: empty path or segment ("a//b", trailing "/"), ".", hidden names
 *   (leading dot), Windows device names (CON, NUL, COM1, ...), trailing dots or spaces;
 * - PATH_NAME_TOO_LONG: a segment over MAX_SEGMENT_BYTES bytes.
 */
export function resolveInside(root: string, relative: string): string {
  if (typeof relative !== "string" || relative === "") reject("PATH_INVALID_NAME", String(relative), "is empty");
  if (relative.startsWith("/") || /^[a-zA-Z]:/.test(relative)) {
    reject("PATH_OUTSIDE_OUTPUT", relative, "is absolute");
  }
  if (/[\u0000-\u001f\u007f]/.test(relative)) reject("PATH_INVALID_CHARACTER", relative, "contains a control character");
  if (relative.includes("\\")) reject("PATH_INVALID_CHARACTER", relative, "contains a backslash");
  if (relative.includes(":")) reject("PATH_INVALID_CHARACTER", relative, "contains a colon");
  const segments = relative.split("/");
  if (segments.includes("..")) reject("PATH_OUTSIDE_OUTPUT", relative, 'contains a ".." segment');
  for (const segment of segments) {
    if (segment === "") reject("PATH_INVALID_NAME", relative, "contains an empty segment");
    if (segment.startsWith(".")) reject("PATH_INVALID_NAME", relative, `has a hidden or dot segment ${shown(segment)}`);
    if (/[. ]$/.test(segment)) reject("PATH_INVALID_NAME", relative, `has a segment ending in a dot or space ${shown(segment)}`);
    if (WINDOWS_RESERVED.test(segment)) reject("PATH_INVALID_NAME", relative, `uses the reserved device name ${shown(segment)}`);
    if (Buffer.byteLength(segment, "utf8") > MAX_SEGMENT_BYTES) {
      reject("PATH_NAME_TOO_LONG", relative, `has a segment of ${Buffer.byteLength(segment, "utf8")} bytes (at most ${MAX_SEGMENT_BYTES})`);
    }
  }
  const base = path.resolve(root);
  const full = path.resolve(base, relative);
  // Defence in depth: the rules above already rule this out.
  if (!full.startsWith(base + path.sep)) reject("PATH_OUTSIDE_OUTPUT", relative, `resolves outside ${shown(base)}`);
  return full;
}

/** Longest name safeName returns, in characters (all ASCII, so also bytes). */
const SAFE_NAME_MAX = 100;

/**
 * Any text as one file-name component that resolveInside accepts: accents dropped, every run of
 * other characters than letters, digits, "-", "_" and "." replaced by "_", no leading or trailing
 * dots, underscores or dashes, at most 100 characters; "unnamed" when nothing is left, and a "_"
 * suffix on Windows device names ("con" -> "con_").
 */
export function safeName(text: string): string {
  let name = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/^[._-]+/, "")
    .slice(0, SAFE_NAME_MAX)
    .replace(/[._-]+$/, "");
  if (name === "") name = "unnamed";
  if (WINDOWS_RESERVED.test(name)) name = `${name.replace(/\..*$/, "")}_`;
  return name;
}

/**
 * resolveInside, and no existing folder on the way from root to the result may be a symbolic
 * link: a link placed in the output folder would otherwise carry writes anywhere.
 */
export function resolveInsideNoLinks(root: string, relative: string): string {
  const target = resolveInside(root, relative);
  let at = path.resolve(root);
  for (const segment of relative.split("/")) {
    at = path.join(at, segment);
    let info: Stats;
    try {
      info = lstatSync(at);
    } catch {
      break; // not there yet: created later as a plain folder
    }
    if (info.isSymbolicLink()) {
      throw new OutputPathError("PATH_THROUGH_LINK", `${JSON.stringify(relative)} passes through the symbolic link ${at}; output folders must be plain folders inside ${root}`);
    }
  }
  return target;
}
