/**
 * Workflow metadata in PNG text chunks, as ComfyUI's SaveImage writes it: a `prompt` chunk (the
 * API prompt) and a `workflow` chunk (the UI workflow), so an image dropped on the editor opens
 * its graph. Writes tEXt (iTXt when the text is not Latin-1, as Pillow does); reads tEXt, zTXt
 * and iTXt. Pure functions over bytes (zlib only inflates compressed chunks).
 */
import { inflateSync } from "node:zlib";
import { ImgDiffError } from "../errors.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** A text chunk larger than this is refused, compressed or not (workflows are kilobytes). */
export const MAX_TEXT_BYTES = 32 * 1024 * 1024;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Chunk {
  readonly type: string;
  /** Offset of the chunk (its length field) and of its data. */
  readonly start: number;
  readonly data: Uint8Array;
  readonly end: number;
}

function chunks(png: Uint8Array, source: string): Chunk[] {
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) throw new ImgDiffError("PNG_INVALID", `${source} is not a PNG file (no PNG signature)`);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    if (at + 12 > png.length) throw new ImgDiffError("PNG_TRUNCATED", `${source}: truncated PNG chunk at byte ${at}`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (end > png.length) throw new ImgDiffError("PNG_TRUNCATED", `${source}: chunk ${type} at byte ${at} claims ${length} bytes, past the end of the file`);
    out.push({ type, start: at, data: png.subarray(at + 8, at + 8 + length), end });
    at = end;
    if (type === "IEND") break;
  }
  return out;
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function inflate(data: Uint8Array, source: string, key: string): Uint8Array {
  try {
    return inflateSync(data, { maxOutputLength: MAX_TEXT_BYTES });
  } catch (error) {
    throw new ImgDiffError("PNG_TEXT_CORRUPT", `${source}: compressed text chunk ${JSON.stringify(key)} cannot be inflated: ${(error as Error).message}`);
  }
}

function checkCrc(png: Uint8Array, chunk: Chunk, source: string): void {
  const stored = new DataView(png.buffer, png.byteOffset + chunk.end - 4, 4).getUint32(0);
  if (crc32(png.subarray(chunk.start + 4, chunk.end - 4)) !== stored) {
    throw new ImgDiffError("PNG_TEXT_CORRUPT", `${source}: ${chunk.type} chunk at byte ${chunk.start} has a bad CRC`);
  }
}

/** Every text chunk's key and text; a later chunk with the same key wins. */
export function readPngText(png: Uint8Array, source = "image"): Record<string, string> {
  const text: Record<string, string> = {};
  for (const chunk of chunks(png, source)) {
    if (chunk.type !== "tEXt" && chunk.type !== "zTXt" && chunk.type !== "iTXt") continue;
    checkCrc(png, chunk, source);
    const { data } = chunk;
    const nul = data.indexOf(0);
    if (nul <= 0) throw new ImgDiffError("PNG_TEXT_CORRUPT", `${source}: ${chunk.type} chunk at byte ${chunk.start} has no keyword`);
    const key = latin1(data.subarray(0, nul));
    if (chunk.type === "tEXt") text[key] = latin1(data.subarray(nul + 1));
    else if (chunk.type === "zTXt") text[key] = latin1(inflate(data.subarray(nul + 2), source, key));
    else {
      const compressed = data[nul + 1] === 1;
      const langEnd = data.indexOf(0, nul + 3);
      const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
      if (transEnd < 0) throw new ImgDiffError("PNG_TEXT_CORRUPT", `${source}: iTXt chunk ${JSON.stringify(key)} is truncated`);
      const body = data.subarray(transEnd + 1);
      text[key] = new TextDecoder("utf-8", { fatal: false }).decode(compressed ? inflate(body, source, key) : body);
    }
  }
  return text;
}

function chunkBytes(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function textChunk(key: string, value: string): Uint8Array {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(key)) throw new ImgDiffError("PNG_TEXT_KEY", `PNG text keyword ${JSON.stringify(key)} must be 1-79 Latin-1 characters`);
  const keyBytes = Uint8Array.from(key, (c) => c.charCodeAt(0));
  if (/^[\x00-\xff]*$/.test(value)) {
    return chunkBytes("tEXt", Uint8Array.from([...keyBytes, 0, ...Uint8Array.from(value, (c) => c.charCodeAt(0))]));
  }
  const utf8 = new TextEncoder().encode(value);
  const data = new Uint8Array(keyBytes.length + 5 + utf8.length);
  data.set(keyBytes, 0);
  data.set(utf8, keyBytes.length + 5); // NUL, flag 0, method 0, empty language NUL, empty keyword NUL
  return chunkBytes("iTXt", data);
}

/** The PNG with these text entries set (replacing chunks with the same keys), before the image data. */
export function writePngText(png: Uint8Array, entries: Readonly<Record<string, string>>, source = "image"): Uint8Array {
  const all = chunks(png, source);
  const idat = all.find((c) => c.type === "IDAT" || c.type === "IEND");
  if (!idat) throw new ImgDiffError("PNG_TRUNCATED", `${source}: PNG has no image data`);
  const keys = new Set(Object.keys(entries));
  const keep = all.filter((c) => {
    if (c.type !== "tEXt" && c.type !== "zTXt" && c.type !== "iTXt") return true;
    const nul = c.data.indexOf(0);
    return !keys.has(latin1(c.data.subarray(0, Math.max(nul, 0))));
  });
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  for (const c of keep) {
    if (c === idat) for (const [key, value] of Object.entries(entries)) parts.push(textChunk(key, value));
    parts.push(png.subarray(c.start, c.end));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface EmbeddedGraph {
  /** The UI workflow (chunk `workflow`), parsed. */
  readonly workflow?: unknown;
  /** The API prompt (chunk `prompt`), parsed. */
  readonly prompt?: unknown;
}

/** Writes the graph as SaveImage does: `prompt` and `workflow` chunks holding JSON. */
export function embedGraph(png: Uint8Array, graph: EmbeddedGraph, source = "image"): Uint8Array {
  const entries: Record<string, string> = {};
  if (graph.prompt !== undefined) entries["prompt"] = JSON.stringify(graph.prompt);
  if (graph.workflow !== undefined) entries["workflow"] = JSON.stringify(graph.workflow);
  return writePngText(png, entries, source);
}

/** Reads the `workflow` and `prompt` chunks back, parsed; absent chunks are left out. */
export function extractGraph(png: Uint8Array, source = "image"): EmbeddedGraph {
  const text = readPngText(png, source);
  const parse = (key: string): unknown => {
    const value = text[key];
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value);
    } catch (error) {
      throw new ImgDiffError("PNG_TEXT_NOT_JSON", `${source}: the ${key} chunk is not valid JSON: ${(error as Error).message}`);
    }
  };
  const workflow = parse("workflow");
  const prompt = parse("prompt");
  return { ...(workflow !== undefined ? { workflow } : {}), ...(prompt !== undefined ? { prompt } : {}) };
}
