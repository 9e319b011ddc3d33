/**
 * Scene templates: where the object of a prompt pair stands. Each names a place ("a grassy park"),
 * the preposition that puts an object there ("in"), the kinds of object that belong there, and a
 * style hint with which the synthetic renderer paints a matching background, so "a dog in a grassy
 * park" is drawn on green ground under a blue sky and "a lemon on a marble countertop" on grey stone.
 */
import { hashSeed } from "../util/rng.js";

/** What sort of object a place can hold. Categories map onto these (see CATEGORY_SETTINGS). */
export type Setting = "table" | "room" | "outdoor" | "street" | "rail" | "water" | "sky";

export type Texture = "wood" | "stone" | "fabric" | "check" | "tiles" | "grass" | "sand" | "snow" | "asphalt" | "water" | "plain";
export type Shapes = "clouds" | "hills" | "blobs" | "bubbles" | "trees" | "buildings" | "none";

export interface SceneStyle {
  /** Wall or sky colours, top to horizon; ignored when horizon is 0. */
  readonly sky: readonly [top: string, bottom: string];
  /** Floor or ground colours, horizon to bottom edge. */
  readonly ground: readonly [far: string, near: string];
  /** Share of the image height above the floor: 0 is a top-down view of the surface. */
  readonly horizon: number;
  readonly texture: Texture;
  readonly shapes: Shapes;
}

export interface SceneTemplate {
  /** The place without the object, e.g. "a grassy park" (ObjectEdit.scene). */
  readonly place: string;
  /** How an object sits there: "in", "on", "at", "near", ... */
  readonly preposition: string;
  readonly settings: readonly Setting[];
  readonly style: SceneStyle;
}

function scene(place: string, preposition: string, settings: readonly Setting[], style: SceneStyle): SceneTemplate {
  return Object.freeze({ place, preposition, settings: Object.freeze(settings), style: Object.freeze(style) });
}

export const SCENES: readonly SceneTemplate[] = Object.freeze([
  scene("a wooden kitchen table", "on", ["table"], { sky: ["#efe3cf", "#d9c7a8"], ground: ["#9c6b3f", "#7a4f2a"], horizon: 0.22, texture: "wood", shapes: "none" }),
  scene("a white marble countertop", "on", ["table"], { sky: ["#c9d3da", "#aeb9c2"], ground: ["#e9e9e6", "#cfcfcb"], horizon: 0.18, texture: "stone", shapes: "none" }),
  scene("a cluttered office desk", "on", ["table"], { sky: ["#5d6b7a", "#475361"], ground: ["#6b4a32", "#4d3423"], horizon: 0.2, texture: "wood", shapes: "blobs" }),
  scene("a picnic blanket", "on", ["table"], { sky: ["#8fc9f0", "#cbe8f7"], ground: ["#d94a3d", "#f2f2f2"], horizon: 0, texture: "check", shapes: "none" }),
  scene("a restaurant table with a white tablecloth", "on", ["table"], { sky: ["#6e4a3a", "#3f2a22"], ground: ["#f5f3ee", "#dedbd3"], horizon: 0.3, texture: "fabric", shapes: "blobs" }),
  scene("a sunny windowsill", "on", ["table"], { sky: ["#9fd3f5", "#e3f3fc"], ground: ["#f4f1ea", "#d8d2c4"], horizon: 0.45, texture: "plain", shapes: "clouds" }),
  scene("a workbench in a garage", "on", ["table"], { sky: ["#7f8a8f", "#5e676b"], ground: ["#b08a5a", "#8a6a43"], horizon: 0.25, texture: "wood", shapes: "blobs" }),
  scene("a cozy living room", "in", ["room"], { sky: ["#e8d8bf", "#d4bf9d"], ground: ["#a8743f", "#7d5227"], horizon: 0.55, texture: "wood", shapes: "blobs" }),
  scene("a bright bedroom", "in", ["room"], { sky: ["#cfe2ef", "#b6cfe0"], ground: ["#e8e1d4", "#cfc6b4"], horizon: 0.5, texture: "fabric", shapes: "blobs" }),
  scene("a modern office", "in", ["room", "table"], { sky: ["#eef1f3", "#d5dbe0"], ground: ["#9aa3aa", "#7b858d"], horizon: 0.5, texture: "tiles", shapes: "none" }),
  scene("a shop display window", "in", ["room", "table"], { sky: ["#f6efe6", "#e8dccb"], ground: ["#ffffff", "#e6e1da"], horizon: 0.4, texture: "plain", shapes: "blobs" }),
  scene("a school classroom", "in", ["room"], { sky: ["#f1e9c9", "#dfd3a6"], ground: ["#b9a58a", "#9a876c"], horizon: 0.5, texture: "tiles", shapes: "none" }),
  scene("an empty concert stage", "on", ["room"], { sky: ["#1d1b2e", "#3a2d4d"], ground: ["#5a3b25", "#3b2616"], horizon: 0.55, texture: "wood", shapes: "blobs" }),
  scene("a tiled bathroom", "in", ["room"], { sky: ["#dff1f3", "#c2e1e6"], ground: ["#f2f6f7", "#d3dcdf"], horizon: 0.5, texture: "tiles", shapes: "none" }),
  scene("a grassy park", "in", ["outdoor"], { sky: ["#6fb6ea", "#cfe9f8"], ground: ["#7cbf4f", "#4e9a2e"], horizon: 0.4, texture: "grass", shapes: "clouds" }),
  scene("a flower garden", "in", ["outdoor"], { sky: ["#8cc8ef", "#dff0fa"], ground: ["#6cb348", "#3f8a2a"], horizon: 0.35, texture: "grass", shapes: "blobs" }),
  scene("a forest clearing", "in", ["outdoor"], { sky: ["#a9d4e8", "#e2f0e6"], ground: ["#5b8f3a", "#3b6a25"], horizon: 0.45, texture: "grass", shapes: "trees" }),
  scene("a farmyard", "in", ["outdoor"], { sky: ["#79b9e6", "#d5ecf8"], ground: ["#b99460", "#8f6d40"], horizon: 0.4, texture: "sand", shapes: "hills" }),
  scene("a snowy field", "in", ["outdoor"], { sky: ["#b9cfe0", "#e9f0f5"], ground: ["#f7f9fb", "#dfe7ee"], horizon: 0.4, texture: "snow", shapes: "hills" }),
  scene("a sandy desert", "in", ["outdoor"], { sky: ["#5aa7e0", "#f3dfb8"], ground: ["#e8c486", "#c99a55"], horizon: 0.42, texture: "sand", shapes: "hills" }),
  scene("a sports field", "on", ["outdoor"], { sky: ["#6cb2e6", "#d3ebf9"], ground: ["#5fae47", "#3e8c2f"], horizon: 0.3, texture: "grass", shapes: "clouds" }),
  scene("a rocky mountain slope", "on", ["outdoor"], { sky: ["#7fb4de", "#dcecf7"], ground: ["#8e8a80", "#6a665c"], horizon: 0.45, texture: "stone", shapes: "hills" }),
  scene("a busy city street", "on", ["street"], { sky: ["#9fbfd8", "#dde7ee"], ground: ["#55585c", "#3d4044"], horizon: 0.45, texture: "asphalt", shapes: "buildings" }),
  scene("a parking lot", "in", ["street"], { sky: ["#a7c7e2", "#e4edf3"], ground: ["#6d6f72", "#54575a"], horizon: 0.35, texture: "asphalt", shapes: "none" }),
  scene("a quiet country road", "on", ["street"], { sky: ["#77b5e6", "#d9edf9"], ground: ["#5f6163", "#7aa24a"], horizon: 0.45, texture: "asphalt", shapes: "hills" }),
  scene("a train station platform", "at", ["rail"], { sky: ["#b3bcc4", "#d9dee2"], ground: ["#8d8f91", "#6c6e70"], horizon: 0.45, texture: "tiles", shapes: "buildings" }),
  scene("a railway line in the countryside", "on", ["rail"], { sky: ["#78b6e4", "#d8ecf8"], ground: ["#7eaa4f", "#6d5a48"], horizon: 0.45, texture: "grass", shapes: "hills" }),
  scene("a calm blue sea", "on", ["water"], { sky: ["#5fa8e3", "#d6ecfa"], ground: ["#3f8fc9", "#1f5f95"], horizon: 0.4, texture: "water", shapes: "clouds" }),
  scene("a busy harbour", "in", ["water"], { sky: ["#9ec3df", "#e1edf5"], ground: ["#3a7ca5", "#24577a"], horizon: 0.38, texture: "water", shapes: "buildings" }),
  scene("a coral reef", "near", ["water"], { sky: ["#3aa6c9", "#1b7fa6"], ground: ["#d9c493", "#b59f6b"], horizon: 0.7, texture: "sand", shapes: "bubbles" }),
  scene("a large aquarium", "in", ["water"], { sky: ["#4fc0de", "#2893b8"], ground: ["#cdbb8e", "#a8966a"], horizon: 0.75, texture: "sand", shapes: "bubbles" }),
  scene("a sandy beach", "on", ["outdoor", "water"], { sky: ["#64b1e8", "#d9effb"], ground: ["#f1dcaa", "#e0c284"], horizon: 0.35, texture: "sand", shapes: "clouds" }),
  scene("a clear blue sky", "in", ["sky"], { sky: ["#3f8fdc", "#bfe0f7"], ground: ["#bfe0f7", "#dceefa"], horizon: 1, texture: "plain", shapes: "clouds" }),
  scene("a sunset sky", "in", ["sky"], { sky: ["#6a5acd", "#ffb36b"], ground: ["#ffb36b", "#ffd59a"], horizon: 1, texture: "plain", shapes: "clouds" }),
  scene("a small airfield", "at", ["sky", "street"], { sky: ["#6aaee6", "#d7ecfa"], ground: ["#7a7c7e", "#86b257"], horizon: 0.5, texture: "asphalt", shapes: "clouds" }),
]);

/**
 * Where each lexicon category belongs. A category missing here fits tables and rooms, which
 * suits most small objects.
 */
const CATEGORY_SETTINGS: Readonly<Record<string, readonly Setting[]>> = {
  animal: ["outdoor"],
  reptile: ["outdoor"],
  bird: ["outdoor"],
  "sea creature": ["water"],
  insect: ["outdoor", "table"],
  vehicle: ["street"],
  train: ["rail"],
  aircraft: ["sky"],
  boat: ["water"],
  furniture: ["room"],
  fruit: ["table"],
  vegetable: ["table"],
  food: ["table"],
  dessert: ["table"],
  drink: ["table"],
  kitchenware: ["table"],
  "musical instrument": ["room"],
  ball: ["outdoor", "room"],
  "sports equipment": ["outdoor", "room"],
  plant: ["outdoor", "table"],
  flower: ["outdoor", "table"],
  building: ["outdoor"],
};

/** Scene templates that suit objects of `category`. Never empty. */
export function scenesFor(category: string): readonly SceneTemplate[] {
  const settings = CATEGORY_SETTINGS[category] ?? ["table", "room"];
  return SCENES.filter((s) => s.settings.some((setting) => settings.includes(setting)));
}

/** The template whose place is `place` (case-insensitive), or undefined. */
export function findScene(place: string): SceneTemplate | undefined {
  const key = place.trim().toLowerCase();
  return SCENES.find((s) => s.place === key);
}

/**
 * The background style for a scene text. A known place gets its own style; any other text
 * (a scene typed by hand) gets one of the templates' styles chosen by a hash of the text, so
 * the same text always looks the same.
 */
export function sceneStyle(place: string): SceneStyle {
  const known = findScene(place);
  if (known) return known.style;
  const index = hashSeed("scene-style", place.trim().toLowerCase()) % SCENES.length;
  return (SCENES[index] as SceneTemplate).style;
}
