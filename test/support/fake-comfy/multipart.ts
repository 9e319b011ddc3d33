/** A small multipart/form-data reader: text fields and file parts (aiohttp's request.post()). */
export interface FilePart {
  readonly filename: string;
  readonly contentType: string;
  readonly data: Buffer;
}

export interface FormData {
  readonly fields: Record<string, string>;
  readonly files: Record<string, FilePart>;
}

export function parseMultipart(body: Buffer, contentType: string): FormData | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Record<string, string> = {};
  const files: Record<string, FilePart> = {};
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === "--") break;
    at += 2; // CRLF after the delimiter
    const headerEnd = body.indexOf("\r\n\r\n", at);
    if (headerEnd < 0) break;
    const headers = body.subarray(at, headerEnd).toString("utf8");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headerEnd + 4);
    if (next < 0) break;
    const data = body.subarray(headerEnd + 4, next);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? "";
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const type = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? "application/octet-stream";
    if (name !== undefined) {
      if (filename !== undefined) files[name] = { filename, contentType: type, data: Buffer.from(data) };
      else fields[name] = data.toString("utf8");
    }
    at = next + 2;
  }
  return { fields, files };
}
