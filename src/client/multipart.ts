/**
 * multipart/form-data encoding into one byte array. Built by hand rather than with FormData so
 * the body is the same for every fetch implementation (global fetch, node-fetch, a test stub).
 */
import { randomUUID } from "node:crypto";

export interface FilePart {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export function encodeMultipart(fields: Record<string, string | FilePart>): { bytes: Uint8Array; contentType: string } {
  const boundary = `----imgdiff-${randomUUID()}`;
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === "string") {
      chunks.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`));
    } else {
      chunks.push(
        encoder.encode(
          `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"; filename="${quote(value.filename)}"\r\n` +
            `Content-Type: ${value.contentType}\r\n\r\n`,
        ),
        value.bytes,
        encoder.encode("\r\n"),
      );
    }
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Header parameter values are quoted strings: escape what would end them. */
function quote(text: string): string {
  return text.replace(/["\\\r\n]/g, (c) => (c === '"' ? "%22" : c === "\\" ? "\\\\" : ""));
}
