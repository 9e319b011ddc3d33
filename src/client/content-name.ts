/**
 * Content-addressed upload names: `<stem>-<first 16 hex of sha256>.<ext>`. The same bytes always
 * get the same name, so re-uploading an input is a no-op on the server instead of a new
 * `name (1).png`, and two different images can never be confused under one name.
 */
import { createHash } from "node:crypto";

const MAGIC: Array<[number[], string, string]> = [
  [[0x89, 0x50, 0x4e, 0x47], "png", "image/png"],
  [[0xff, 0xd8, 0xff], "jpg", "image/jpeg"],
  [[0x52, 0x49, 0x46, 0x46], "webp", "image/webp"],
];

export function sniffImage(bytes: Uint8Array): { ext: string; mime: string } | undefined {
  for (const [magic, ext, mime] of MAGIC) if (magic.every((b, i) => bytes[i] === b)) return { ext, mime };
  return undefined;
}

export function contentHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `hint` is an optional original name whose stem is kept (sanitised) for readability. */
export function contentName(bytes: Uint8Array, hint?: string): string {
  const sniffed = sniffImage(bytes);
  const hintExt = hint?.match(/\.([A-Za-z0-9]{1,5})$/)?.[1]?.toLowerCase();
  const ext = sniffed?.ext ?? hintExt ?? "bin";
  const stem = (hint ?? "").replace(/\.[A-Za-z0-9]{1,5}$/, "").replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 48);
  const hash = contentHash(bytes).slice(0, 16);
  return stem ? `${stem}-${hash}.${ext}` : `${hash}.${ext}`;
}
