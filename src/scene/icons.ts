/**
 * Lexicon icons as RGBA rasters. The Fluent Emoji Flat set ships as one 9 MB iconify JSON file;
 * it is read and parsed once, on first use, and only the SVG bodies the lexicon names are kept.
 * Each (icon, pixel size) is rasterised once by sharp (librsvg) and kept in a byte-bounded LRU.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import sharp from "sharp";
import { LEXICON } from "../captions/lexicon.js";
import { ImgDiffError } from "../errors.js";
import { createLru } from "./lru.js";

/** A square RGBA raster, straight (not premultiplied) alpha. */
export interface Sprite {
  readonly size: number;
  readonly data: Uint8Array; // size * size * 4
}

/**
 * Coverage below this alpha is dropped while rasterising. The faint anti-aliased fringe is
 * invisible, and dropping it means the thresholded object mask covers every pixel the object
 * touched, so the two images of a pair are identical outside the mask.
 */
export const ALPHA_FLOOR = 8;

/** Rasters kept: at most this many bytes (a 358 px sprite, the largest at 1024, is 0.5 MB). */
const CACHE_BYTES = 24 * 1024 * 1024;

interface IconSvg {
  readonly body: string;
  readonly viewBox: string;
}

interface IconifyIcon {
  body: string;
  left?: number;
  top?: number;
  width?: number;
  height?: number;
}

interface IconifyJson {
  icons: Record<string, IconifyIcon>;
  width?: number;
  height?: number;
}

let bodies: Promise<ReadonlyMap<string, IconSvg>> | undefined;
const rasters = createLru<Promise<Sprite>>(CACHE_BYTES);

function iconFile(): string {
  return createRequire(import.meta.url).resolve("@iconify-json/fluent-emoji-flat/icons.json");
}

async function loadBodies(): Promise<ReadonlyMap<string, IconSvg>> {
  const file = iconFile();
  const set = JSON.parse(await readFile(file, "utf8")) as IconifyJson;
  const kept = new Map<string, IconSvg>();
  for (const { icon } of LEXICON) {
    const found = set.icons[icon];
    if (!found) {
      throw new ImgDiffError("MISSING_ICON", `${file}: icon "${icon}" named by the lexicon is not in the icon set`);
    }
    const width = found.width ?? set.width ?? 16;
    const height = found.height ?? set.height ?? 16;
    kept.set(icon, { body: found.body, viewBox: `${found.left ?? 0} ${found.top ?? 0} ${width} ${height}` });
  }
  return kept;
}

function iconBodies(): Promise<ReadonlyMap<string, IconSvg>> {
  bodies ??= loadBodies().catch((error: unknown) => {
    bodies = undefined; // let a later call retry rather than cache the failure
    throw error;
  });
  return bodies;
}

async function rasterise(icon: string, size: number): Promise<Sprite> {
  const svg = (await iconBodies()).get(icon);
  if (!svg) throw new ImgDiffError("MISSING_ICON", `icon "${icon}" is not a lexicon icon`);
  const markup = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="${svg.viewBox}">${svg.body}</svg>`;
  const { data, info } = await sharp(Buffer.from(markup))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== 4) {
    throw new ImgDiffError("ICON_RASTER", `icon "${icon}" rasterised to ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x4`);
  }
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  for (let i = 3; i < pixels.length; i += 4) {
    if ((pixels[i] as number) < ALPHA_FLOOR) pixels[i] = 0;
  }
  return { size, data: pixels };
}

/** The icon drawn into a size x size square (the icon's own padding included). */
export function iconSprite(icon: string, size: number): Promise<Sprite> {
  const key = `${icon}@${size}`;
  let sprite = rasters.get(key);
  if (!sprite) {
    sprite = rasterise(icon, size);
    rasters.set(key, sprite, size * size * 4);
    // A failed raster must not stay cached: the next request tries again.
    const pending = sprite;
    pending.catch(() => {
      if (rasters.get(key) === pending) rasters.delete(key);
    });
  }
  return sprite;
}

/** Rasters currently cached, for the benchmark's memory report. */
export function iconCacheStats(): { entries: number; bytes: number } {
  return { entries: rasters.size, bytes: rasters.cost };
}
