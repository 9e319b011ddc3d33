/** Encoded images as the chat APIs take them. */

/** "image/png" or "image/jpeg" from the file's first bytes. */
export function imageMime(bytes: Uint8Array): "image/png" | "image/jpeg" {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "image/jpeg";
  throw new TypeError("chat images must be encoded PNG or JPEG files");
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
