/**
 * Scene objects of the synthetic evaluation set, as SVG fragments: emoji artwork from
 * @iconify-json/fluent-emoji-flat (MIT) and plain shapes in a given colour. Every object sits in
 * a known square (x, y, size) of the scene.
 */
import { createRequire } from "node:module";
import type { Rng } from "../../src/util/rng.js";

interface IconSet {
  readonly width?: number;
  readonly height?: number;
  readonly icons: Record<string, { body: string; width?: number; height?: number }>;
}

const require = createRequire(import.meta.url);
let iconSet: IconSet | undefined;
let iconNames: string[] = [];

function icons(): IconSet {
  if (!iconSet) {
    iconSet = require("@iconify-json/fluent-emoji-flat/icons.json") as IconSet;
    iconNames = Object.keys(iconSet.icons).sort();
  }
  return iconSet;
}

export type SceneObject =
  | { readonly kind: "icon"; readonly name: string; readonly x: number; readonly y: number; readonly size: number }
  | {
      readonly kind: "shape";
      readonly shape: "rect" | "ellipse" | "triangle";
      readonly colour: readonly [number, number, number];
      readonly x: number;
      readonly y: number;
      readonly size: number;
    };

export function randomIconName(rng: Rng): string {
  icons();
  return rng.pick(iconNames);
}

export function randomShape(rng: Rng): "rect" | "ellipse" | "triangle" {
  return rng.pick(["rect", "ellipse", "triangle"] as const);
}

/** SVG markup for one object; `uid` keeps the icon's internal ids unique within a scene. */
export function objectSvg(object: SceneObject, uid: string): string {
  const { x, y, size } = object;
  if (object.kind === "icon") {
    const set = icons();
    const icon = set.icons[object.name];
    if (!icon) throw new Error(`unknown icon ${object.name}`);
    const w = icon.width ?? set.width ?? 32;
    const h = icon.height ?? set.height ?? 32;
    const body = icon.body
      .replace(/id="([^"]+)"/g, `id="${uid}$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${uid}$1)`)
      .replace(/href="#([^"]+)"/g, `href="#${uid}$1"`);
    return `<svg x="${x}" y="${y}" width="${size}" height="${size}" viewBox="0 0 ${w} ${h}">${body}</svg>`;
  }
  const fill = `rgb(${object.colour.join(",")})`;
  switch (object.shape) {
    case "rect":
      return `<rect x="${x}" y="${y}" width="${size}" height="${size}" rx="${size / 8}" fill="${fill}"/>`;
    case "ellipse":
      return `<ellipse cx="${x + size / 2}" cy="${y + size / 2}" rx="${size / 2}" ry="${size / 2.6}" fill="${fill}"/>`;
    case "triangle":
      return `<polygon points="${x + size / 2},${y} ${x + size},${y + size} ${x},${y + size}" fill="${fill}"/>`;
  }
}

export function sceneSvg(width: number, height: number, objects: readonly SceneObject[]): Buffer {
  const parts = objects.map((o, i) => objectSvg(o, `o${i}_`));
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}">${parts.join("")}</svg>`,
  );
}
