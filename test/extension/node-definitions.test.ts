/**
 * The node definitions the extension gives ComfyUI's editor are valid object_info: only option
 * keys ComfyUI knows, defaults inside their ranges and combo lists, aligned output arrays, and
 * every category under "ImgDiff".
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { NODES, defaultRegistry } from "../../src/nodes/index.js";
import { isPackCategory } from "../../src/extension/pack.js";
import { nodePack } from "../../scripts/build-extension.js";
import type { InputWire } from "../../src/graph/object-info.js";

const COMMON = ["tooltip", "forceInput", "defaultInput", "lazy", "rawLink", "socketless", "advanced", "hidden", "display_name", "widgetType"];
const ALLOWED: Record<string, readonly string[]> = {
  INT: ["default", "min", "max", "step", "control_after_generate", "display", ...COMMON],
  FLOAT: ["default", "min", "max", "step", "round", "display", ...COMMON],
  STRING: ["default", "multiline", "dynamicPrompts", "placeholder", ...COMMON],
  BOOLEAN: ["default", "label_on", "label_off", ...COMMON],
  COMBO: ["default", "image_upload", "image_folder", "control_after_generate", "remote", "multiselect", ...COMMON],
  SOCKET: COMMON,
};
const SEED_CONTROLS = ["fixed", "increment", "decrement", "randomize"];
const TYPE_NAME = /^[A-Z][A-Z0-9_]*$/;

const info = defaultRegistry().objectInfo();

function kindOf([head]: InputWire): string {
  if (Array.isArray(head)) return "COMBO";
  return head === "INT" || head === "FLOAT" || head === "STRING" || head === "BOOLEAN" ? head : "SOCKET";
}

describe("object_info of the node pack", () => {
  it("holds every node of the pack under its class type", () => {
    expect(Object.keys(info).sort()).toEqual(NODES.map((n) => n.type).sort());
    expect(Object.keys(info).length).toBeGreaterThanOrEqual(6);
    for (const [type, def] of Object.entries(info)) expect(def.name).toBe(type);
  });

  for (const [type, def] of Object.entries(info)) {
    describe(type, () => {
      it("has a display name, a description, our python module and an ImgDiff category", () => {
        expect(def.display_name).toMatch(/\S/);
        expect(def.description).toMatch(/\S/);
        expect(def.python_module).toBe("custom_nodes.comfyui-imgdiff");
        expect(isPackCategory(def.category)).toBe(true);
        expect(def.category).toMatch(/^ImgDiff\/[a-z]+$/);
      });

      it("lists its inputs in input_order, each name once", () => {
        const required = Object.keys(def.input.required ?? {});
        const optional = Object.keys(def.input.optional ?? {});
        expect(def.input_order?.required ?? []).toEqual(required);
        expect(def.input_order?.optional ?? []).toEqual(optional);
        expect(new Set([...required, ...optional]).size).toBe(required.length + optional.length);
      });

      const inputs = Object.entries({ ...def.input.required, ...def.input.optional });
      for (const [name, wire] of inputs) {
        it(`input ${name}: option keys, default and range follow ComfyUI's rules`, () => {
          const kind = kindOf(wire);
          const options = (wire[1] ?? {}) as Record<string, unknown>;
          for (const key of Object.keys(options)) expect(ALLOWED[kind], `${name}: option ${key} on ${kind}`).toContain(key);
          if (typeof options["tooltip"] !== "undefined") expect(options["tooltip"]).toMatch(/\S/);
          switch (kind) {
            case "INT":
            case "FLOAT": {
              const { default: value, min, max, step } = options as Record<string, number>;
              expect([value, min, max].every(Number.isFinite)).toBe(true);
              expect(min).toBeLessThanOrEqual(value!);
              expect(value).toBeLessThanOrEqual(max!);
              if (step !== undefined) expect(step).toBeGreaterThan(0);
              if (kind === "INT") {
                expect([value, min, max].every(Number.isSafeInteger)).toBe(true);
                // The editor randomises seeds up to 2^50; larger values lose precision in JSON.
                expect(max).toBeLessThanOrEqual(2 ** 50);
              }
              const control = options["control_after_generate"];
              if (control !== undefined) expect(control === true || control === false || SEED_CONTROLS.includes(control as string)).toBe(true);
              break;
            }
            case "STRING":
              expect(typeof options["default"]).toBe("string");
              break;
            case "BOOLEAN":
              expect(typeof options["default"]).toBe("boolean");
              break;
            case "COMBO": {
              const values = wire[0] as unknown[];
              expect(values.length).toBeGreaterThan(0);
              expect(values.every((v) => typeof v === "string")).toBe(true);
              expect(new Set(values).size).toBe(values.length);
              expect(values).toContain(options["default"]);
              break;
            }
            case "SOCKET":
              expect(wire[0]).toMatch(TYPE_NAME);
              break;
          }
        });
      }

      it("has aligned output arrays with socket type names", () => {
        const n = def.output.length;
        expect(def.output_name).toHaveLength(n);
        expect(def.output_is_list).toHaveLength(n);
        if (def.output_tooltips) expect(def.output_tooltips).toHaveLength(n);
        for (const type of def.output) expect(type).toMatch(TYPE_NAME);
        expect(new Set(def.output_name).size).toBe(n);
        if (n === 0) expect(def.output_node).toBe(true);
      });
    });
  }
});

describe("the pack baked into the extension", () => {
  it("is the registry's object_info, with one colour pair", async () => {
    const pack = await nodePack();
    expect(pack.nodes).toEqual(info);
    expect(pack.colors.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(pack.colors.bgcolor).toMatch(/^#[0-9a-f]{6}$/);
  });

  it("carries the package version, which comfyui/pyproject.toml repeats for ComfyUI's registry", async () => {
    const { version } = await nodePack();
    const pyproject = await readFile(new URL("../../comfyui/pyproject.toml", import.meta.url), "utf8");
    expect(pyproject).toContain(`version = "${version}"`);
    expect(pyproject).toContain('name = "comfyui-imgdiff"');
  });

  it("comfyui/__init__.py points ComfyUI at the web directory and defines no Python nodes", async () => {
    const init = await readFile(new URL("../../comfyui/__init__.py", import.meta.url), "utf8");
    expect(init).toMatch(/^WEB_DIRECTORY = "\.\/web\/js"$/m);
    expect(init).toMatch(/^NODE_CLASS_MAPPINGS = \{\}$/m);
  });
});
