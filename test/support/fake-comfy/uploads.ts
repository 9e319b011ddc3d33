/**
 * POST /upload/image and /upload/mask (server.py image_upload): type folder, normalised
 * subfolder that must stay inside it, same name + same bytes → same name (nothing written),
 * same name + other bytes → "name (1).png", overwrite=true|1 keeps the name. /upload/mask
 * replaces the alpha of `original_ref` with the upload's alpha, keeping its text chunks, and
 * answers 200 with a name even when the original does not exist.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import sharp from "sharp";
import { annotated, folderOf, inside, isFile, sha256, type Folders } from "./folders.js";
import { readTextChunks, withTextChunks } from "./png.js";
import type { FormData } from "./multipart.js";

export type UploadAnswer = { status: 200; body: { name: string; subfolder: string; type: string } } | { status: 400 | 500 };

type Save = (data: Buffer, target: string) => Promise<void>;

export async function upload(form: FormData, folders: Folders, save?: Save): Promise<UploadAnswer> {
  const type = form.fields["type"] ?? "input";
  const dir = folderOf(folders, type);
  if (!dir) return { status: 500 };
  const image = form.files["image"];
  if (!image || !image.filename) return { status: 400 };
  const subfolder = form.fields["subfolder"] ?? "";
  const folder = join(dir, normalize(subfolder));
  let target = resolve(folder, image.filename);
  if (!inside(dir, target) || resolve(dir) === target) return { status: 400 };
  mkdirSync(folder, { recursive: true });
  const overwrite = form.fields["overwrite"] === "true" || form.fields["overwrite"] === "1";
  const ext = extname(image.filename);
  const stem = image.filename.slice(0, image.filename.length - ext.length);
  let name = image.filename;
  let duplicate = false;
  if (!overwrite) {
    const hash = sha256(image.data);
    for (let i = 1; existsSync(target); i++) {
      if (isFile(target) && sha256(readFileSync(target)) === hash) {
        duplicate = true;
        break;
      }
      name = `${stem} (${i})${ext}`;
      target = join(folder, name);
    }
  }
  if (!duplicate) {
    if (save) await save(image.data, target);
    else writeFileSync(target, image.data);
  }
  return { status: 200, body: { name, subfolder, type } };
}

export async function uploadMask(form: FormData, folders: Folders): Promise<UploadAnswer> {
  return upload(form, folders, async (maskBytes, target) => {
    let ref: { filename?: string; subfolder?: string; type?: string };
    try {
      ref = JSON.parse(form.fields["original_ref"] ?? "");
    } catch {
      return;
    }
    const a = annotated(String(ref.filename ?? ""), folders);
    if (!a.name || a.name.startsWith("/") || a.name.includes("..")) return;
    let dir = a.dir ?? folderOf(folders, ref.type ?? "output");
    if (!dir) return;
    if (ref.subfolder) {
      const sub = join(dir, ref.subfolder);
      if (!inside(dir, sub)) return;
      dir = sub;
    }
    const original = join(dir, a.name);
    if (!isFile(original)) return;
    const originalBytes = readFileSync(original);
    const base = await sharp(originalBytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const alpha = await sharp(maskBytes).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
    if (alpha.info.width !== base.info.width || alpha.info.height !== base.info.height) throw new Error("images do not match");
    for (let p = 0; p < base.info.width * base.info.height; p++) base.data[p * 4 + 3] = alpha.data[p]!;
    const png = await sharp(base.data, { raw: { width: base.info.width, height: base.info.height, channels: 4 } }).png({ compressionLevel: 4 }).toBuffer();
    writeFileSync(target, withTextChunks(png, readTextChunks(originalBytes)));
  });
}
