/**
 * The server's input/output/temp folders and ComfyUI's path rules: annotated names
 * ("sub/x.png [output]"), the "must stay inside the folder" checks, and the input listing that
 * LoadImage's combo shows.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, normalize, resolve, sep } from "node:path";
import sharp from "sharp";

export type FolderType = "input" | "output" | "temp";

export interface Folders {
  readonly root: string;
  readonly input: string;
  readonly output: string;
  readonly temp: string;
}

export function makeFolders(root: string): Folders {
  const folders = { root, input: join(root, "input"), output: join(root, "output"), temp: join(root, "temp") };
  for (const dir of [folders.input, folders.output, folders.temp]) mkdirSync(dir, { recursive: true });
  return folders;
}

/** A fresh ComfyUI ships input/example.png; its presence shows in LoadImage's combo. */
export async function ensureExampleImage(folders: Folders): Promise<void> {
  const file = join(folders.input, "example.png");
  if (existsSync(file)) return;
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 140, b: 200 } } }).png().toBuffer();
  writeFileSync(file, png);
}

export function folderOf(folders: Folders, type: string | undefined): string | undefined {
  if (type === "input" || type === "output" || type === "temp") return folders[type];
  return undefined;
}

/** folder_paths.annotated_filepath: a " [output]"-style suffix picks the folder. */
export function annotated(name: string, folders: Folders): { name: string; dir: string | undefined } {
  for (const type of ["output", "input", "temp"] as const) {
    if (name.endsWith(`[${type}]`)) return { name: name.slice(0, -(type.length + 3)), dir: folders[type] };
  }
  return { name, dir: undefined };
}

/** os.path.commonpath((base, path)) == base, with both absolute. */
export function inside(base: string, path: string): boolean {
  const b = resolve(base);
  const p = resolve(path);
  return p === b || p.startsWith(b + sep);
}

/** The file a LoadImage-style input names (default folder: input), or undefined if it escapes. */
export function inputFile(name: string, folders: Folders): string | undefined {
  const a = annotated(name, folders);
  const dir = a.dir ?? folders.input;
  const file = resolve(dir, normalize(a.name));
  return inside(dir, file) ? file : undefined;
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".apng", ".jfif", ".avif"]);

/** LoadImage's combo: image files at the top of input/, sorted. */
export function listInputImages(folders: Folders): string[] {
  return readdirSync(folders.input, { withFileTypes: true })
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(e.name.slice(e.name.lastIndexOf(".")).toLowerCase()))
    .map((e) => e.name)
    .sort();
}

/** /internal/files/{type}: top-level files, most recently written first. */
export function listByRecency(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => ({ name: e.name, at: statSync(join(dir, e.name)).mtimeMs }))
    .sort((a, b) => b.at - a.at)
    .map((e) => e.name);
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
