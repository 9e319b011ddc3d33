/**
 * GET /view (server.py view_image): annotated names, type folder, subfolder confinement (403),
 * "/" or ".." in the name (400), missing file (404), all with empty bodies; `preview=webp;90`
 * or `jpeg;75` re-encodes; `channel=rgb|a` extracts.
 */
import { readFileSync } from "node:fs";
import { basename, extname, join } from "node:path";
import sharp from "sharp";
import { annotated, folderOf, inside, isFile, type Folders } from "./folders.js";

export type ViewAnswer = { status: 200; type: string; filename: string; body: Buffer } | { status: 400 | 403 | 404 };

const TYPES: Record<string, string> = { ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".gif": "image/gif", ".json": "application/json", ".txt": "text/plain", ".mp4": "video/mp4", ".svg": "image/svg+xml" };

export async function view(query: URLSearchParams, folders: Folders): Promise<ViewAnswer> {
  const raw = query.get("filename");
  if (raw === null) return { status: 404 };
  const a = annotated(raw, folders);
  if (!a.name) return { status: 400 };
  if (a.name.startsWith("/") || a.name.includes("..")) return { status: 400 };
  let dir = a.dir ?? folderOf(folders, query.get("type") ?? "output");
  if (!dir) return { status: 400 };
  const subfolder = query.get("subfolder");
  if (subfolder !== null) {
    const full = join(dir, subfolder);
    if (!inside(dir, full)) return { status: 403 };
    dir = full;
  }
  const filename = basename(a.name);
  const file = join(dir, filename);
  if (!isFile(file)) return { status: 404 };
  const bytes = readFileSync(file);
  const preview = query.get("preview");
  const channel = query.get("channel") ?? "rgba";
  if (preview !== null) {
    const [format = "webp", q] = preview.split(";");
    const quality = Number.parseInt(q ?? "90", 10) || 90;
    const useJpeg = format === "jpeg" && !(query.get("channel") ?? "").includes("a");
    const image = sharp(bytes).removeAlpha();
    const body = useJpeg ? await image.jpeg({ quality }).toBuffer() : await image.webp({ quality }).toBuffer();
    return { status: 200, type: useJpeg ? "image/jpeg" : "image/webp", filename, body };
  }
  if (channel === "rgb") return { status: 200, type: "image/png", filename, body: await sharp(bytes).removeAlpha().png().toBuffer() };
  if (channel === "a") return { status: 200, type: "image/png", filename, body: await sharp(bytes).ensureAlpha().extractChannel(3).png().toBuffer() };
  let type = TYPES[extname(filename).toLowerCase()] ?? "application/octet-stream";
  if (["text/html", "text/javascript", "text/css"].includes(type)) type = "application/octet-stream";
  return { status: 200, type, filename, body: bytes };
}
